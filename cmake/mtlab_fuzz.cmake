# MTLAB_FUZZ: the libFuzzer targets in tests/fuzz (see docs/fuzzing.md and
# scripts/fuzz.sh). libFuzzer ships with clang only, so this needs clang++
# (Debian's clang 14 with libclang_rt.fuzzer). Every library the targets link is
# compiled with coverage instrumentation for the fuzzer (fuzzer-no-link) and
# with AddressSanitizer and UndefinedBehaviorSanitizer; undefined behaviour
# aborts (-fno-sanitize-recover) so the fuzzer reports it as a finding. The
# targets themselves link libFuzzer's main (tests/fuzz/CMakeLists.txt).
# LibTorch stays the prebuilt GCC library: it is not instrumented, only called.
if(NOT MTLAB_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "MTLAB_FUZZ=ON needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}: configure a separate "
                      "build folder with -DCMAKE_CXX_COMPILER=clang++ (scripts/fuzz.sh does)")
endif()
if(MTLAB_SANITIZE)
  message(FATAL_ERROR "MTLAB_FUZZ already builds with AddressSanitizer and UBSan; leave MTLAB_SANITIZE off")
endif()
set(MTLAB_FUZZ_SANITIZERS address,undefined)
add_compile_options(-fsanitize=fuzzer-no-link,${MTLAB_FUZZ_SANITIZERS} -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -gline-tables-only)
add_link_options(-fsanitize=${MTLAB_FUZZ_SANITIZERS})
# tests/fuzz links the fuzz targets with this (libFuzzer's main).
set(MTLAB_FUZZ_LINK_FLAGS -fsanitize=fuzzer,${MTLAB_FUZZ_SANITIZERS})
if(NOT MTLAB_BUILD_TESTS)
  message(FATAL_ERROR "MTLAB_FUZZ=ON needs MTLAB_BUILD_TESTS=ON (the targets live in tests/fuzz)")
endif()
