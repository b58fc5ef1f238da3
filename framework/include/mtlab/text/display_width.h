#pragma once
// Terminal columns of UTF-8 text, for aligned tables of tokens.
#include <cstddef>
#include <string_view>

namespace mtlab {

// Wide (CJK, fullwidth) code points count 2, combining marks 0; text that is
// not valid UTF-8 counts one column per byte.
std::size_t display_width(std::string_view utf8);

}  // namespace mtlab
