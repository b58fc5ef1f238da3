#include <catch2/catch.hpp>

#include "mtlab/core/suggest.h"

TEST_CASE("edit distance", "[suggest]") {
  CHECK(mtlab::edit_distance("kitten", "sitting") == 3);
  CHECK(mtlab::edit_distance("", "abc") == 3);
  CHECK(mtlab::edit_distance("same", "same") == 0);
}

TEST_CASE("closest match only suggests plausible typos", "[suggest]") {
  const std::vector<std::string> keys{"batch_size", "epochs", "freeze", "max_steps"};
  CHECK(mtlab::closest_match("batch_sise", keys) == "batch_size");
  CHECK(mtlab::closest_match("epoch", keys) == "epochs");
  CHECK(mtlab::closest_match("completely_different", keys).empty());
  CHECK(mtlab::did_you_mean("freez", keys) == " (did you mean 'freeze'?)");
  CHECK(mtlab::join({"a", "b"}) == "a, b");
}
