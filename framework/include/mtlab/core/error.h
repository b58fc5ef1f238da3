#pragma once
// mtlab's one exception type. It carries the context a user needs (file, line,
// key, what was expected); the runner catches it once and prints one line.
#include <stdexcept>
#include <string>

namespace mtlab {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Rethrows the exception in flight with `context` put in front ("context: message").
// Use it inside catch blocks to add one level of location (file → table → key).
[[noreturn]] void rethrow_with_context(const std::string& context);

}  // namespace mtlab
