// A real, minimal loss plugin used by the loader tests: mean of logits, scaled.
#include <ATen/ATen.h>

#include "mtlab/core/config.h"
#include "mtlab/model/loss.h"

namespace {

class ScaledMean : public mtlab::Loss {
 public:
  explicit ScaledMean(double scale) : scale_(scale) {}
  at::Tensor compute(const at::Tensor& logits, const at::Tensor&) override { return logits.mean() * scale_; }

 private:
  double scale_;
};

const mtlab::plugin::KeySpec keys[] = {
    {"scale", "float", "1.0", "multiplies the mean"},
    {"fail", "bool", "false", "make the factory throw (for tests)"},
};

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  if (config.get_bool("fail", false)) throw std::runtime_error("asked to fail by its config");
  return std::make_shared<ScaledMean>(config.get_double("scale", 1.0));
}

}  // namespace

MTLAB_PLUGIN(loss, TEST_PLUGIN_NAME, "1.2.3", "test loss: scaled mean of the logits", keys, create)
