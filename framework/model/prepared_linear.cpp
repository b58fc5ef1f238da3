#include "prepared_linear.h"

#include <torch/torch.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "int8_linear.h"

namespace mtlab::detail {
namespace {

using WeakImpl = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>;

struct Prepared {
  WeakImpl owner;  // the fp32 weight: an entry whose weight died is stale
  Precision precision = Precision::fp32;
  at::Tensor weight, bias;  // bf16
  std::shared_ptr<const Int8Weight> int8;
};

struct PreparedWeights {
  std::mutex mutex;
  std::unordered_map<const c10::TensorImpl*, Prepared> by_weight;
};

PreparedWeights& prepared_weights() {
  static auto* p = new PreparedWeights;  // leaked: weights may be freed after static destruction
  return *p;
}

// A copy (reference counts), so that a concurrent re-preparation cannot pull it away.
std::optional<Prepared> find(const at::Tensor& weight) {
  auto& p = prepared_weights();
  std::lock_guard<std::mutex> lock(p.mutex);
  const auto it = p.by_weight.find(weight.unsafeGetTensorImpl());
  if (it == p.by_weight.end()) return std::nullopt;
  if (it->second.owner.expired()) {  // another tensor now lives at the dead weight's address
    p.by_weight.erase(it);
    return std::nullopt;
  }
  return it->second;
}

}  // namespace

void prepare_weight(const at::Tensor& weight, const at::Tensor& bias, Precision precision) {
  if (precision == Precision::fp32) return;
  torch::NoGradGuard no_grad;
  Prepared prepared{WeakImpl(weight.getIntrusivePtr()), precision};
  if (precision == Precision::bf16) {
    prepared.weight = weight.detach().to(at::kBFloat16).contiguous();
    if (bias.defined()) prepared.bias = bias.detach().to(at::kBFloat16);
  } else {
    prepared.int8 = std::make_shared<const Int8Weight>(
        quantize_int8_weight(weight.detach(), bias.defined() ? bias.detach() : bias));
  }
  auto& p = prepared_weights();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.by_weight.insert_or_assign(weight.unsafeGetTensorImpl(), std::move(prepared));
}

bool is_prepared(const at::Tensor& weight) { return weight.defined() && find(weight).has_value(); }

at::Tensor prepared_linear(const at::Tensor& x, const at::Tensor& weight) {
  const auto type = x.scalar_type();
  if (!weight.defined() || !x.is_cpu() || (type != at::kFloat && type != at::kBFloat16)) return {};
  auto prepared = find(weight);
  if (!prepared) return {};
  if (prepared->precision == Precision::bf16) {
    // bf16 in, fp32 accumulation inside oneDNN, out in the input's type.
    return at::linear(x.to(at::kBFloat16), prepared->weight, prepared->bias).to(type);
  }
  auto sizes = x.sizes().vec();
  sizes.back() = weight.size(0);
  return int8_linear(x.reshape({-1, x.size(-1)}).to(at::kFloat).contiguous(), *prepared->int8).view(sizes).to(type);
}

at::ScalarType compute_type(const at::Tensor& weight) {
  const auto prepared = weight.defined() ? find(weight) : std::nullopt;
  if (prepared && prepared->precision == Precision::bf16) return at::kBFloat16;
  return prepared ? at::kFloat : weight.scalar_type();
}

}  // namespace mtlab::detail
