#pragma once
// A special token as Hugging Face's files describe it (AddedToken).
#include <string>

namespace mtlab {

// `lstrip` eats the whitespace before the token in raw text, `rstrip` the
// whitespace after it (Python's str.isspace whitespace).
struct AddedToken {
  std::string content;
  bool lstrip = false;
  bool rstrip = false;
};

}  // namespace mtlab
