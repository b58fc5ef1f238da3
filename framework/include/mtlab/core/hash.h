#pragma once
// SHA-256 (OpenSSL libcrypto) of files and byte strings, as lowercase hex.
#include <filesystem>
#include <string>
#include <string_view>

namespace mtlab {

std::string sha256_hex(std::string_view bytes);
// Streams the file; throws mtlab::Error naming it when it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

}  // namespace mtlab
