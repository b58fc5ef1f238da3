// oneDNN matmul primitives, one per shape (dims and strides of the operands) and
// thread (framework/model/onednn_matmul.h). Creating one costs 0.3–0.5 ms (its
// kernels are generated for the shape), so they are kept: per thread, as a
// primitive must not run on two threads at once, and bounded, as length-bucketed
// batches bring new shapes (each primitive is a few kB).
#include "onednn_matmul.h"

#include <ATen/ATen.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <map>
#include <unordered_map>
#include <vector>

namespace mtlab::detail {
namespace {

using dnnl::memory;
using T = memory::data_type;
constexpr std::size_t kMaxPrimitives = 512;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

// This thread's primitive for `key`, made by `make` on first use; the cache is
// emptied when it reaches kMaxPrimitives.
template <class Value, class Make>
Value& cached(std::map<std::vector<std::int64_t>, Value>& cache, std::vector<std::int64_t> key, Make make) {
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() >= kMaxPrimitives) cache.clear();
  return cache.emplace(std::move(key), make()).first->second;
}

// One operand as oneDNN sees it: its type, dims and strides (in elements).
struct Operand {
  T type;
  memory::dims dims, strides;
  memory::desc desc() const { return memory::desc(dims, type, strides); }
};

Operand operand(const at::Tensor& t, T type) { return {type, t.sizes().vec(), t.strides().vec()}; }

// The cache key: every operand's type, dims and strides, and whether there is a bias.
std::vector<std::int64_t> key(const Operand& a, const Operand& b, const Operand& c, bool bias) {
  std::vector<std::int64_t> k{bias ? 1 : 0};
  for (const Operand* o : {&a, &b, &c}) {
    k.push_back(static_cast<std::int64_t>(o->type));
    k.push_back(static_cast<std::int64_t>(o->dims.size()));
    k.insert(k.end(), o->dims.begin(), o->dims.end());
    k.insert(k.end(), o->strides.begin(), o->strides.end());
  }
  return k;
}

struct Primitive {
  dnnl::matmul matmul;
  memory::desc a, b, bias, c;
};

Primitive make_primitive(const Operand& a, const Operand& b, const Operand& c, bool with_bias) {
  Primitive p{{}, a.desc(), b.desc(), {}, c.desc()};
  if (with_bias) p.bias = memory::desc({1, c.dims.back()}, T::f32, memory::dims{c.dims.back(), 1});
  const auto desc = with_bias ? dnnl::matmul::desc(p.a, p.b, p.bias, p.c) : dnnl::matmul::desc(p.a, p.b, p.c);
  p.matmul = dnnl::matmul(dnnl::matmul::primitive_desc(desc, engine()));
  return p;
}

Primitive& primitive(const Operand& a, const Operand& b, const Operand& c, bool with_bias) {
  thread_local std::map<std::vector<std::int64_t>, Primitive> cache;
  return cached(cache, key(a, b, c, with_bias), [&] { return make_primitive(a, b, c, with_bias); });
}

// c = a · b (+ bias), every operand given with its memory.
void execute(const Operand& a, const at::Tensor& ta, const Operand& b, const at::Tensor& tb, const Operand& c,
             at::Tensor& tc, const at::Tensor& bias) {
  Primitive& p = primitive(a, b, c, bias.defined());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(p.a, engine(), ta.data_ptr())},
                                       {DNNL_ARG_WEIGHTS, memory(p.b, engine(), tb.data_ptr())},
                                       {DNNL_ARG_DST, memory(p.c, engine(), tc.data_ptr())}};
  if (bias.defined()) args.emplace(DNNL_ARG_BIAS, memory(p.bias, engine(), bias.data_ptr()));
  p.matmul.execute(stream(), args);
  stream().wait();
}

// a [M, K] · btᵀ for bt [N, K] (read as the K × N matrix in column-major order).
at::Tensor matmul_bt(const at::Tensor& a, const at::Tensor& bt, const at::Tensor& bias, T in_a, T in_b, T out) {
  const std::int64_t m = a.size(0), k = a.size(1), n = bt.size(0);
  auto c = at::empty({m, n}, a.options().dtype(out == T::f32 ? at::kFloat : at::kInt));
  if (m == 0 || n == 0) return c;
  if (k == 0) return bias.defined() ? c.copy_(bias.expand({m, n})) : c.zero_();
  execute(operand(a, in_a), a, {in_b, {k, n}, {1, k}}, bt, operand(c, out), c, bias);
  return c;
}

// A row-major [rows × cols] matrix rewritten column-major: its transpose, contiguous.
struct Transposer {
  dnnl::reorder reorder;
  memory::desc from, to;
};

Transposer& transposer(std::int64_t rows, std::int64_t cols, T type) {
  thread_local std::map<std::vector<std::int64_t>, Transposer> cache;
  return cached(cache, {rows, cols, static_cast<std::int64_t>(type)}, [&] {
    const memory::desc from({rows, cols}, type, memory::dims{cols, 1}), to({rows, cols}, type, memory::dims{1, rows});
    return Transposer{dnnl::reorder(dnnl::reorder::primitive_desc(engine(), from, engine(), to)), from, to};
  });
}

}  // namespace

at::Tensor onednn_transpose(const at::Tensor& t) {
  const std::int64_t rows = t.size(0), cols = t.size(1);
  const bool bf16 = t.scalar_type() == at::kBFloat16;
  if ((t.scalar_type() != at::kFloat && !bf16) || !t.is_cpu() || t.numel() == 0) return t.t().contiguous();
  const auto in = t.contiguous();
  auto out = at::empty({cols, rows}, t.options());
  auto& plan = transposer(rows, cols, bf16 ? T::bf16 : T::f32);
  memory from(plan.from, engine(), in.data_ptr()), to(plan.to, engine(), out.data_ptr());
  plan.reorder.execute(stream(), from, to);
  stream().wait();
  return out;
}

at::Tensor onednn_matmul(const at::Tensor& a, const at::Tensor& bt, const at::Tensor& bias) {
  return matmul_bt(a, bt, bias, T::f32, T::f32, T::f32);
}

at::Tensor onednn_matmul_bf16(const at::Tensor& a, const at::Tensor& bt, const at::Tensor& bias) {
  return matmul_bt(a, bt, bias, T::bf16, T::bf16, T::f32);
}

at::Tensor onednn_matmul_u8s8(const at::Tensor& a, const at::Tensor& bt) {
  return matmul_bt(a, bt, {}, T::u8, T::s8, T::s32);
}

at::Tensor onednn_bmm(const at::Tensor& a, const at::Tensor& b) {
  auto sizes = a.sizes().vec();
  sizes.back() = b.size(-1);
  auto c = at::empty(sizes, a.options().dtype(at::kFloat));
  if (c.numel() == 0) return c;
  if (a.size(-1) == 0) return c.zero_();
  const T in = a.scalar_type() == at::kBFloat16 ? T::bf16 : T::f32;
  execute(operand(a, in), a, operand(b, in), b, operand(c, T::f32), c, {});
  return c;
}

}  // namespace mtlab::detail
