// keep_freed_memory (mtlab/model/heap_retention.h): the memory a step frees
// serves the next steps without the kernel faulting its pages in again.
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

// A step's activations: tensors of 4 to 24 MB (79 MB, 20,200 pages), written,
// read (a small result each) and freed. Returns the page faults it took.
long step() {
  const long before = minor_faults();
  std::vector<at::Tensor> activations;
  for (std::int64_t mb : {6, 9, 24, 4, 24, 12}) {
    activations.push_back(at::empty({mb << 18}, at::kFloat).fill_(1.0f));
    (void)activations.back().sum().item<float>();
  }
  activations.clear();
  return minor_faults() - before;
}

}  // namespace

TEST_CASE("a step's freed memory serves the next steps once freed memory is kept", "[train][memory]") {
  mtlab::keep_freed_memory();
  const long first = step();
  (void)step();  // the heap settles
  const long later = step() + step() + step();
  // glibc's defaults hand the blocks back and fault them in again: about 12,000
  // pages every step here (36,800 over three); kept, 6,144 over three.
  INFO("first step " << first << " faults, the three after the second " << later);
  CHECK(first > 20000);
  CHECK(later < first);
}
