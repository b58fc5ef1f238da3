#include "mtlab/text/display_width.h"

#include <utf8proc.h>

namespace mtlab {

std::size_t display_width(std::string_view utf8) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  std::size_t width = 0;
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(utf8.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) return width + static_cast<std::size_t>(left);
    width += static_cast<std::size_t>(utf8proc_charwidth(cp));
    p += n;
    left -= n;
  }
  return width;
}

}  // namespace mtlab
