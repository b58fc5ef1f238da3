#pragma once
// Keeps the memory a training step or an encoded batch frees inside the process
// for the next one. glibc hands blocks above its mmap threshold back to the
// kernel on free and trims the heap's top; the next step then page-faults the
// same megabytes in again, zeroed by the kernel: about 58,000 faults (230 MB)
// per BERT-base training step, 5 % of it (docs/performance.md, "Fourth round").
// What jemalloc or tcmalloc do under LD_PRELOAD, done with glibc's own knobs.
// The process's resident size then stays at its peak until it exits. A block
// allocated alone between small ones, again and again at the same size, can
// still miss (LibTorch's 64-byte-aligned requests are a little larger than the
// block they freed); a step's mix of sizes is served (tests/train).
namespace mtlab {

// Raises glibc's mmap threshold to its maximum (32 MB), its trim threshold out
// of reach and its top pad to 256 MB, once per process; best called first thing
// in main (the blocks allocated before keep their mappings). Environment
// settings win: glibc's own (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_,
// MALLOC_TOP_PAD_) and MTLAB_KEEP_FREED_MEMORY=0, which leaves all three alone.
void keep_freed_memory();

}  // namespace mtlab
