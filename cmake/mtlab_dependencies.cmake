# Every dependency comes from Debian's packages (see scripts/setup.sh).
find_package(Torch REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(Threads REQUIRED)
# oneDNN's matmul for linear layers (framework/model/onednn_matmul.h): its CPU
# headers and library (libdnnl-dev). Not dnnl's CMake package: Debian's requires
# the OpenCL development files, which mtlab does not use.
find_path(MTLAB_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp REQUIRED)
find_library(MTLAB_DNNL_LIBRARY dnnl REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
# The Unicode classes of GPT-2's pre-tokenizer pattern (byte-level BPE).
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# Data-parallel training (framework/train/process_group.cpp): LibTorch's c10d
# Gloo backend needs Gloo's headers and library (libgloo-dev); NCCL only where
# LibTorch was built with CUDA (Debian's is not: that branch then says so at run time).
find_path(MTLAB_GLOO_INCLUDE_DIR gloo/context.h REQUIRED)
find_library(MTLAB_GLOO_LIBRARY gloo REQUIRED)
find_library(MTLAB_TORCH_CUDA_LIBRARY torch_cuda HINTS ${TORCH_INSTALL_PREFIX}/lib)
# The PostgreSQL results store (libpqxx-dev 6.4, C++17).
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx>=6.4)
