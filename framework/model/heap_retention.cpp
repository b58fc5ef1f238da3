// glibc's malloc tunables, set once (mtlab/model/heap_retention.h).
#include "mtlab/model/heap_retention.h"

#include <climits>
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mtlab {

void keep_freed_memory() {
#if defined(__GLIBC__)
  static const bool applied = [] {
    const char* opt_out = std::getenv("MTLAB_KEEP_FREED_MEMORY");
    if (opt_out != nullptr && std::strcmp(opt_out, "0") == 0) return false;
    // glibc's ceiling for the mmap threshold on 64-bit (HEAP_MAX_SIZE / 2).
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, INT_MAX);
    // The heap grows in large steps, so a step's blocks above 32 MB (BERT's
    // word-embedding gradient) find room in it instead of in a fresh mapping.
    if (std::getenv("MALLOC_TOP_PAD_") == nullptr) mallopt(M_TOP_PAD, 256 * 1024 * 1024);
    return true;
  }();
  (void)applied;
#endif
}

}  // namespace mtlab
