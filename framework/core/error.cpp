#include "mtlab/core/error.h"

#include <exception>

namespace mtlab {

void rethrow_with_context(const std::string& context) {
  try {
    throw;
  } catch (const std::exception& e) {
    throw Error(context + ": " + e.what());
  }
}

}  // namespace mtlab
