#pragma once
// MTLAB_CLONES: compile a loop once per instruction set (AVX-512, AVX2 and the
// generic x86-64 fallback), the loader picking the clone for the machine (GCC's
// target_clones; private to mtlab_nn). Off under AddressSanitizer and off x86/GCC.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define MTLAB_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MTLAB_CLONES
#endif
