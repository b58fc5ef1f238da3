// keep_freed_memory (mtlab/model/heap_retention.h): a block freed by one step
// is there for the next without the kernel faulting its pages in again.
#include <catch2/catch.hpp>
#include <sys/resource.h>
#include <torch/torch.h>

#include "mtlab/model/heap_retention.h"

namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Allocates, writes and frees 24 MB (6,144 pages): an activation of a large batch.
void use_block() { (void)at::empty({6 << 20}, at::kFloat).fill_(1.0f).sum().item<float>(); }

}  // namespace

TEST_CASE("a freed 24 MB block is reused without page faults once freed memory is kept", "[train][memory]") {
  mtlab::keep_freed_memory();
  use_block();  // the first use faults its pages in
  const long before = minor_faults();
  use_block();
  // glibc's defaults would map the block afresh (or grow the heap): thousands of faults.
  CHECK(minor_faults() - before < 200);
}
