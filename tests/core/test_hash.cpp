#include <catch2/catch.hpp>

#include <fstream>

#include "mtlab/core/error.h"
#include "mtlab/core/hash.h"
#include "test_paths.h"

TEST_CASE("sha256 of bytes and files matches the standard vectors", "[hash]") {
  CHECK(mtlab::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(mtlab::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto dir = mtlab::test::scratch_dir("hash");
  std::ofstream(dir / "abc.txt", std::ios::binary) << "abc";
  CHECK(mtlab::sha256_file(dir / "abc.txt") == mtlab::sha256_hex("abc"));
  CHECK_THROWS_AS(mtlab::sha256_file(dir / "missing"), mtlab::Error);
}

TEST_CASE("the fixture vocabulary hashes to the sha256 its README states", "[hash]") {
  CHECK(mtlab::sha256_file(mtlab::test::fixtures_dir() / "vocab" / "bert-base-uncased-vocab.txt") ==
        "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3");
}
