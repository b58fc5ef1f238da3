// oneDNN matmul primitives, one per shape and thread (framework/model/onednn_matmul.h).
// Creating one costs 0.3–0.5 ms (its kernels are generated for the shape), so they
// are kept: per thread, as a primitive must not run on two threads at once, and
// bounded, as length-bucketed batches bring new shapes (each primitive is a few kB).
#include "onednn_matmul.h"

#include <ATen/ATen.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <map>
#include <tuple>
#include <unordered_map>

namespace mtlab::detail {
namespace {

using dnnl::memory;
enum class Types { f32, u8s8 };  // float32 in and out; uint8 · int8 → int32
using Shape = std::tuple<std::int64_t, std::int64_t, std::int64_t, bool, Types>;  // M, N, K, bias, types
constexpr std::size_t kMaxPrimitives = 512;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

struct Primitive {
  dnnl::matmul matmul;
  memory::desc a, b, bias, c;
};

Primitive make_primitive(const Shape& shape) {
  const auto [m, n, k, with_bias, types] = shape;
  using T = memory::data_type;
  const bool f32 = types == Types::f32;
  Primitive p;
  p.a = memory::desc({m, k}, f32 ? T::f32 : T::u8, memory::dims{k, 1});
  p.b = memory::desc({k, n}, f32 ? T::f32 : T::s8, memory::dims{1, k});  // Bt [N × K] row-major
  p.c = memory::desc({m, n}, f32 ? T::f32 : T::s32, memory::dims{n, 1});
  if (with_bias) p.bias = memory::desc({1, n}, T::f32, memory::dims{n, 1});
  const auto desc = with_bias ? dnnl::matmul::desc(p.a, p.b, p.bias, p.c) : dnnl::matmul::desc(p.a, p.b, p.c);
  p.matmul = dnnl::matmul(dnnl::matmul::primitive_desc(desc, engine()));
  return p;
}

Primitive& primitive(const Shape& shape) {
  thread_local std::map<Shape, Primitive> cache;
  auto it = cache.find(shape);
  if (it != cache.end()) return it->second;
  if (cache.size() >= kMaxPrimitives) cache.clear();
  return cache.emplace(shape, make_primitive(shape)).first->second;
}

at::Tensor run(const at::Tensor& a, const at::Tensor& bt, const at::Tensor& bias, Types types) {
  const std::int64_t m = a.size(0), k = a.size(1), n = bt.size(0);
  auto c = at::empty({m, n}, a.options().dtype(types == Types::f32 ? at::kFloat : at::kInt));
  if (m == 0 || n == 0) return c;
  if (k == 0) return bias.defined() ? c.copy_(bias.expand({m, n})) : c.zero_();
  Primitive& p = primitive({m, n, k, bias.defined(), types});
  thread_local dnnl::stream stream(engine());
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, memory(p.a, engine(), a.data_ptr())},
      {DNNL_ARG_WEIGHTS, memory(p.b, engine(), bt.data_ptr())},
      {DNNL_ARG_DST, memory(p.c, engine(), c.data_ptr())}};
  if (bias.defined()) args.emplace(DNNL_ARG_BIAS, memory(p.bias, engine(), bias.data_ptr()));
  p.matmul.execute(stream, args);
  stream.wait();
  return c;
}

}  // namespace

at::Tensor onednn_matmul(const at::Tensor& a, const at::Tensor& bt, const at::Tensor& bias) {
  return run(a, bt, bias, Types::f32);
}

at::Tensor onednn_matmul_u8s8(const at::Tensor& a, const at::Tensor& bt) { return run(a, bt, {}, Types::u8s8); }

}  // namespace mtlab::detail
