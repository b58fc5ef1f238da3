// A loss plugin that fails on purpose, for the trial-isolation tests: cross
// entropy until call `at_call`, then the fault its config names — a segfault,
// an abort, a hang or a normal exception.
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <torch/torch.h>

#include "mtlab/core/config.h"
#include "mtlab/model/loss.h"

namespace {

class FaultyLoss : public mtlab::Loss {
 public:
  FaultyLoss(std::string fault, std::int64_t at_call) : fault_(std::move(fault)), at_call_(at_call) {}
  at::Tensor compute(const at::Tensor& logits, const at::Tensor& targets) override {
    if (++calls_ >= at_call_) {
      if (fault_ == "segfault") std::raise(SIGSEGV);
      if (fault_ == "abort") std::abort();
      if (fault_ == "hang") {
        for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
      }
      if (fault_ == "throw") throw std::runtime_error("faulty_loss: asked to throw");
    }
    return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}),
                                                torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
  }

 private:
  std::string fault_;
  std::int64_t at_call_;
  std::int64_t calls_ = 0;
};

const mtlab::plugin::KeySpec keys[] = {
    {"fault", "string", "\"none\"", "none | segfault | abort | hang | throw"},
    {"at_call", "int", "3", "the call of compute() that faults"},
};

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<FaultyLoss>(
      config.get_choice("fault", "none", {"none", "segfault", "abort", "hang", "throw"}), config.get_int("at_call", 3));
}

}  // namespace

MTLAB_PLUGIN(loss, "faulty_loss", "1.0.0", "test loss: cross entropy, then a fault on purpose", keys, create)
