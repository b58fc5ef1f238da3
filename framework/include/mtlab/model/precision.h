#pragma once
// Reduced precision on the CPU. For inference, a backbone's linear layers run in
// bf16 (oneDNN on AVX512_BF16 / AMX: inputs and weights rounded to bf16, products
// accumulated and returned in fp32) or int8 (dynamic quantization: weights int8 per
// output channel, activations quantized per batch; oneDNN on VNNI / AMX), while
// embeddings, LayerNorm, softmax and attention stay fp32. For training, a CPU
// autocast scope: linear layers and matrix products in bf16 on fp32 master weights.
// Where the CPU lacks the instructions, the caller is told why and gets fp32.
#include <string>

namespace torch::nn {
class Module;
}

namespace mtlab {

enum class Precision { fp32, bf16, int8 };

std::string precision_name(Precision precision);  // fp32 | bf16 | int8

// What the CPU and this LibTorch offer for reduced precision.
struct CpuFeatures {
  bool avx512_bf16 = false, amx_bf16 = false;  // bf16 dot products
  bool avx512_vnni = false, avx_vnni = false, amx_int8 = false;  // int8 dot products
  bool onednn = false;        // LibTorch built with oneDNN (MKLDNN)
};

// This machine's features (cpuid, and LibTorch's build).
CpuFeatures cpu_features();

// Empty when `features` run `precision` on native instructions, else what is missing.
std::string missing_support(Precision precision, const CpuFeatures& features);

// `precision` when `features` run it natively; otherwise a warning naming `what`
// (e.g. "--dtype bf16") and what is missing, and fp32.
Precision usable_precision(Precision precision, const std::string& what, const CpuFeatures& features);

// The same for this machine; where it runs `precision` natively, also a warning
// when its products are slower than fp32's here (product_speedup < 1: a CPU with
// avx512_bf16 but no AMX may run bf16 products below the fp32 rate), computing
// in `precision` as asked.
Precision usable_precision(Precision precision, const std::string& what);

// The rate of this machine's `precision` (bf16 or int8) matrix products over its
// fp32 ones: oneDNN's [256 × 768] · [768 × 768] products, the kernels the layers
// use, best of 5 each, measured once per process (a few ms).
double product_speedup(Precision precision);

// Empty when `speedup` is 1 or more; otherwise the warning that `what` (in
// `precision`) is likely slower than fp32 on this CPU.
std::string slow_precision_warning(Precision precision, const std::string& what, double speedup);

// Prepares `module`'s linear layers (its torch::nn::Linear submodules) for
// inference in `precision`: bf16 turns their weights and biases to bf16; int8
// quantizes each weight per output channel once for oneDNN's int8 kernels
// (the fp32 weight stays, for shapes and for anything that reads it). fast_linear
// (mtlab/model/fast_linear.h) then computes those layers in that precision. fp32
// changes nothing. For a model in eval mode that will not be trained afterwards.
void prepare_linear_layers(torch::nn::Module& module, Precision precision);

// While alive, CPU autocast to bf16 (`bf16`: linear layers and matrix products
// compute in bf16; gradients reach the fp32 parameters in fp32) or off (what
// must stay fp32 inside a bf16 scope). Restores the previous state when it ends.
class CpuAutocast {
 public:
  explicit CpuAutocast(bool bf16);
  ~CpuAutocast();
  CpuAutocast(const CpuAutocast&) = delete;
  CpuAutocast& operator=(const CpuAutocast&) = delete;

 private:
  bool enabled_ = false;
  bool previous_enabled_ = false;
  int previous_dtype_ = 0;
};

}  // namespace mtlab
