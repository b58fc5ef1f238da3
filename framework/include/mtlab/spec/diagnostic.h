#pragma once
// One validation problem: where, which key, what was expected. Validation
// collects every problem rather than stopping at the first.
#include <string>
#include <vector>

#include "mtlab/spec/location.h"

namespace mtlab::spec {

struct Diagnostic {
  Location where;       // file:line:col, "--set", or empty for a problem with no position
  std::string key;      // dotted key, "" when the problem is not about one key
  std::string message;  // what is wrong and what was expected

  // "file:line:col: key: message" (empty parts left out)
  std::string str() const;
};

// One diagnostic per line, in order.
std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace mtlab::spec
