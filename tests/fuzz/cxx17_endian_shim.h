#pragma once
// Fuzz build only (tests/fuzz/CMakeLists.txt): LibTorch 1.13's headers do not
// compile with clang 14 and libstdc++ 12 in C++20 mode (std::vector<c10::IValue>
// of an incomplete type, instantiated early by C++20's constexpr vector), so
// fuzz_safetensors.cpp and framework/io/safetensors.cpp are compiled as C++17.
// The one C++20 facility safetensors.cpp uses is std::endian; this supplies it.
#include <version>
#if __cplusplus < 202002L && !defined(__cpp_lib_endian)
namespace std {
enum class endian { little = __ORDER_LITTLE_ENDIAN__, big = __ORDER_BIG_ENDIAN__, native = __BYTE_ORDER__ };
}
#endif
