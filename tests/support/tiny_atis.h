#pragma once
// The end-to-end tests' common spec: tests/specs/tiny_atis.toml, a tiny random
// BERT on a slice of ATIS, extended by each test with the keys it sets.
#include <string>

#include "test_paths.h"

namespace mtlab::test {

// Its `extends` line, then `text` (at least experiment.name, and database and
// output, which resolve against the test's own folder).
inline std::string tiny_atis_spec(const std::string& text) {
  return "extends = \"" + (source_dir() / "tests/specs/tiny_atis.toml").string() + "\"\n" + text;
}

}  // namespace mtlab::test
