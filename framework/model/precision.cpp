#include "mtlab/model/precision.h"

#include <ATen/autocast_mode.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <vector>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "onednn_matmul.h"
#include "prepared_linear.h"

namespace mtlab {
namespace {

// The kernel's view of the CPU: /proc/cpuinfo lists only what the kernel enables
// (AMX needs its permission too), as `lscpu` shows it.
std::set<std::string> cpuinfo_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

}  // namespace

std::string precision_name(Precision precision) {
  switch (precision) {
    case Precision::bf16: return "bf16";
    case Precision::int8: return "int8";
    default: return "fp32";
  }
}

CpuFeatures cpu_features() {
  static const CpuFeatures features = [] {
    const auto flags = cpuinfo_flags();
    CpuFeatures f;
    f.avx512_bf16 = flags.count("avx512_bf16") > 0;
    f.amx_bf16 = flags.count("amx_bf16") > 0;
    f.avx512_vnni = flags.count("avx512_vnni") > 0;
    f.avx_vnni = flags.count("avx_vnni") > 0;
    f.amx_int8 = flags.count("amx_int8") > 0;
    f.onednn = at::hasMKLDNN();
    return f;
  }();
  return features;
}

std::string missing_support(Precision precision, const CpuFeatures& f) {
  std::vector<std::string> missing;
  if (precision == Precision::bf16) {
    if (!f.avx512_bf16 && !f.amx_bf16) missing.emplace_back("the CPU has no bf16 instructions (avx512_bf16 or amx_bf16)");
    if (!f.onednn) missing.emplace_back("this LibTorch was built without oneDNN");
  } else if (precision == Precision::int8) {
    if (!f.avx512_vnni && !f.avx_vnni && !f.amx_int8) {
      missing.emplace_back("the CPU has no int8 dot-product instructions (avx512_vnni, avx_vnni or amx_int8)");
    }
  }
  std::string out;
  for (const auto& m : missing) out += (out.empty() ? "" : "; ") + m;
  return out;
}

Precision usable_precision(Precision precision, const std::string& what, const CpuFeatures& features) {
  const auto missing = missing_support(precision, features);
  if (missing.empty()) return precision;
  log::warn("{}: {}; computing in fp32 instead", what, missing);
  return Precision::fp32;
}

Precision usable_precision(Precision precision, const std::string& what) {
  const Precision usable = usable_precision(precision, what, cpu_features());
  if (usable == Precision::fp32) return usable;
  const double speedup = product_speedup(usable);
  log::debug("{}: {} matrix products run at {:.2f}x the fp32 rate on this CPU", what, precision_name(usable), speedup);
  if (const auto warning = slow_precision_warning(usable, what, speedup); !warning.empty()) log::warn("{}", warning);
  return usable;
}

double product_speedup(Precision precision) {
  if (precision == Precision::fp32) return 1.0;
  static std::mutex mutex;
  static std::map<Precision, double> measured;
  std::lock_guard<std::mutex> lock(mutex);
  if (const auto it = measured.find(precision); it != measured.end()) return it->second;
  torch::NoGradGuard no_grad;
  // Constant operands: drawing random ones would move the global generator, and with
  // it a trial's dropout masks, depending on whether this process measured before.
  const auto a = torch::full({256, 768}, 0.5f), w = torch::full({768, 768}, -0.25f);
  const auto best_of_5 = [](const auto& product) {
    product();  // the primitive made, caches warm
    double best = 1e30;
    for (int r = 0; r < 5; ++r) {
      const auto start = std::chrono::steady_clock::now();
      product();
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
  };
  const double fp32 = best_of_5([&] { detail::onednn_matmul(a, w, {}); });
  double reduced = fp32;
  if (precision == Precision::bf16) {
    const auto a16 = a.to(at::kBFloat16), w16 = w.to(at::kBFloat16);
    reduced = best_of_5([&] { detail::onednn_matmul_bf16(a16, w16, {}); });
  } else {
    const auto a8 = torch::full({256, 768}, 3, torch::kUInt8), w8 = torch::full({768, 768}, -2, torch::kInt8);
    reduced = best_of_5([&] { detail::onednn_matmul_u8s8(a8, w8); });
  }
  return measured[precision] = fp32 / reduced;
}

std::string slow_precision_warning(Precision precision, const std::string& what, double speedup) {
  if (speedup >= 1.0) return {};
  return fmt::format("{}: {} matrix products run at {:.2f}x the fp32 rate on this CPU{}, so {} is likely slower than "
                     "fp32 here; computing in {} as asked",
                     what, precision_name(precision), speedup,
                     precision == Precision::bf16 && !cpu_features().amx_bf16 ? " (it has no AMX)" : "",
                     precision_name(precision), precision_name(precision));
}

void prepare_linear_layers(torch::nn::Module& module, Precision precision) {
  if (precision == Precision::fp32) return;
  for (const auto& m : module.modules(/*include_self=*/true)) {
    if (auto* l = m->as<torch::nn::Linear>()) detail::prepare_weight(l->weight, l->bias, precision);
  }
}

CpuAutocast::CpuAutocast(bool bf16)
    : enabled_(bf16),
      previous_enabled_(at::autocast::is_cpu_enabled()),
      previous_dtype_(static_cast<int>(at::autocast::get_autocast_cpu_dtype())) {
  at::autocast::set_cpu_enabled(enabled_);
  if (enabled_) at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
}

CpuAutocast::~CpuAutocast() {
  at::autocast::set_cpu_enabled(previous_enabled_);
  at::autocast::set_autocast_cpu_dtype(static_cast<at::ScalarType>(previous_dtype_));
  // The bf16 copies of the weights belong to this forward: the next one sees updated weights.
  if (enabled_ && !previous_enabled_) at::autocast::clear_cache();
}

}  // namespace mtlab
