#include "mtlab/spec/diagnostic.h"

namespace mtlab::spec {

std::string Diagnostic::str() const {
  std::string out = where.str();
  if (!key.empty()) out += (out.empty() ? "" : ": ") + key;
  return out + (out.empty() ? "" : ": ") + message;
}

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) out += d.str() + "\n";
  return out;
}

}  // namespace mtlab::spec
