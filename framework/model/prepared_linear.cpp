#include "prepared_linear.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "mtlab/core/error.h"

namespace mtlab::detail {
namespace {

using WeakImpl = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>;

struct Prepared {
  WeakImpl owner;  // the fp32 weight: an entry whose weight died is stale
  Precision precision = Precision::fp32;
  at::Tensor weight, bias;  // bf16
  c10::IValue packed;       // int8: the engine's packed weight and bias
};

struct PreparedWeights {
  std::mutex mutex;
  std::unordered_map<const c10::TensorImpl*, Prepared> by_weight;
};

PreparedWeights& prepared_weights() {
  static auto* p = new PreparedWeights;  // leaked: weights may be freed after static destruction
  return *p;
}

// FBGEMM or its x86 successor where LibTorch has them, else oneDNN's.
std::optional<at::QEngine> x86_engine() {
  const auto& engines = at::globalContext().supportedQEngines();
  for (auto e : {at::QEngine::X86, at::QEngine::FBGEMM, at::QEngine::ONEDNN}) {
    if (std::find(engines.begin(), engines.end(), e) != engines.end()) return e;
  }
  return std::nullopt;
}

c10::OperatorHandle op(const char* name) { return c10::Dispatcher::singleton().findSchemaOrThrow(name, ""); }

// Symmetric int8 per output channel (scale = max |w_row| / 127), packed with the bias.
c10::IValue pack_int8(const at::Tensor& weight, const at::Tensor& bias) {
  const auto engine = x86_engine();
  if (!engine) throw Error("int8: this LibTorch has no quantized engine with x86 kernels (FBGEMM, x86 or oneDNN)");
  at::globalContext().setQEngine(*engine);  // the engine packs the weight; its kernels then run it
  const auto w = weight.to(at::kFloat).contiguous();
  const auto scales = w.abs().amax(1).clamp_min(1e-8).div(127.0).to(at::kDouble);
  const auto q = at::quantize_per_channel(w, scales, at::zeros({w.size(0)}, at::kLong), 0, at::kQInt8);
  std::vector<c10::IValue> stack{q, bias.defined() ? c10::optional<at::Tensor>(bias.to(at::kFloat).contiguous())
                                                   : c10::optional<at::Tensor>()};
  op("quantized::linear_prepack").callBoxed(&stack);
  return std::move(stack.at(0));
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

std::string int8_engine_name() {
  const auto e = x86_engine();
  return e ? c10::toString(*e) : "";
}

void prepare_weight(const at::Tensor& weight, const at::Tensor& bias, Precision precision) {
  if (precision == Precision::fp32) return;
  torch::NoGradGuard no_grad;
  Prepared prepared{WeakImpl(weight.getIntrusivePtr()), precision};
  if (precision == Precision::bf16) {
    prepared.weight = weight.detach().to(at::kBFloat16).contiguous();
    if (bias.defined()) prepared.bias = bias.detach().to(at::kBFloat16);
  } else {
    prepared.packed = pack_int8(weight.detach(), bias.defined() ? bias.detach() : bias);
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
  // Activations: asymmetric uint8 over the whole input, from its range in this call.
  std::vector<c10::IValue> stack{x.reshape({-1, x.size(-1)}).to(at::kFloat).contiguous(), std::move(prepared->packed),
                                 false};
  op("quantized::linear_dynamic").callBoxed(&stack);
  return stack.at(0).toTensor().view(sizes).to(type);
}

at::ScalarType compute_type(const at::Tensor& weight) {
  const auto prepared = weight.defined() ? find(weight) : std::nullopt;
  if (prepared && prepared->precision == Precision::bf16) return at::kBFloat16;
  return prepared ? at::kFloat : weight.scalar_type();
}

}  // namespace mtlab::detail
