#pragma once
// For every mtlab_nn source whose loops run on LibTorch's intra-op threads
// through at::parallel_for. ATen splits such a loop only in code compiled with
// OpenMP (ATen/ParallelOpenMP.h defines INTRA_OP_PARALLEL under _OPENMP);
// compiled without it, the loop silently runs on one thread. Those sources are
// listed once, in framework/CMakeLists.txt (MTLAB_PARALLEL_SOURCES).
#include <ATen/Parallel.h>

#ifndef _OPENMP
#error "this source calls at::parallel_for: list it in MTLAB_PARALLEL_SOURCES (framework/CMakeLists.txt)"
#endif
