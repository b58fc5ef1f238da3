#include "linear_chain.h"

#include <torch/torch.h>

#include <algorithm>
#include <vector>

namespace mtlab::crf {

Packed pack_front(const at::Tensor& keep) {
  // A stable sort of "not kept" (0 before 1) lists the kept positions first, in order.
  const auto order = std::get<1>((~keep).to(torch::kLong).sort(/*stable=*/true, /*dim=*/1, /*descending=*/false));
  const auto counts = keep.sum(1);
  const std::int64_t width = std::max<std::int64_t>(1, counts.numel() ? counts.max().item<std::int64_t>() : 1);
  Packed out;
  out.index = order.narrow(1, 0, std::min(width, order.size(1)));
  out.mask = torch::arange(out.index.size(1), counts.options()).unsqueeze(0) < counts.unsqueeze(1);
  return out;
}

at::Tensor gather_rows(const at::Tensor& x, const at::Tensor& index) {
  if (x.dim() == 2) return x.gather(1, index);
  return x.gather(1, index.unsqueeze(2).expand({index.size(0), index.size(1), x.size(2)}));
}

at::Tensor log_partition(const at::Tensor& emissions, const at::Tensor& mask, const at::Tensor& start,
                         const at::Tensor& end, const at::Tensor& transitions) {
  auto alpha = start.unsqueeze(0) + emissions.select(1, 0);  // [B, C]
  const auto trans = transitions.unsqueeze(0);                // [1, C_from, C_to]
  for (std::int64_t t = 1; t < emissions.size(1); ++t) {
    auto next = torch::logsumexp(alpha.unsqueeze(2) + trans, 1) + emissions.select(1, t);
    alpha = torch::where(mask.select(1, t).unsqueeze(1), next, alpha);
  }
  return torch::logsumexp(alpha + end.unsqueeze(0), 1);
}

at::Tensor sequence_score(const at::Tensor& emissions, const at::Tensor& tags, const at::Tensor& mask,
                          const at::Tensor& start, const at::Tensor& end, const at::Tensor& transitions) {
  const auto labels = tags.masked_fill(~mask, 0);
  const auto on = mask.to(emissions.scalar_type());
  auto score = start.index_select(0, labels.select(1, 0)) +
               (emissions.gather(2, labels.unsqueeze(2)).squeeze(2) * on).sum(1);
  const std::int64_t length = labels.size(1);
  if (length > 1) {
    const auto from = labels.narrow(1, 0, length - 1), to = labels.narrow(1, 1, length - 1);
    const auto steps = transitions.reshape({-1}).index_select(0, (from * transitions.size(1) + to).reshape({-1}));
    score = score + (steps.view({labels.size(0), length - 1}) * on.narrow(1, 1, length - 1)).sum(1);
  }
  const auto last = (mask.sum(1) - 1).clamp_min(0);
  return score + end.index_select(0, labels.gather(1, last.unsqueeze(1)).squeeze(1));
}

at::Tensor viterbi(const at::Tensor& emissions, const at::Tensor& mask, const at::Tensor& start, const at::Tensor& end,
                   const at::Tensor& transitions) {
  const std::int64_t rows = emissions.size(0), length = emissions.size(1);
  auto score = start.unsqueeze(0) + emissions.select(1, 0);
  const auto trans = transitions.unsqueeze(0);
  std::vector<at::Tensor> back;  // back[t - 1][b][c]: the best label before label c at step t
  for (std::int64_t t = 1; t < length; ++t) {
    auto [best, from] = (score.unsqueeze(2) + trans).max(1);
    score = torch::where(mask.select(1, t).unsqueeze(1), best + emissions.select(1, t), score);
    back.push_back(from);
  }
  const auto last = (score + end.unsqueeze(0)).argmax(1).to(torch::kCPU, torch::kLong).contiguous();
  const auto lengths = mask.sum(1).to(torch::kCPU, torch::kLong).contiguous();
  // (Length 1: no pointers, an empty stand-in keeps the accessor's shape.)
  const auto pointers = (back.empty() ? torch::zeros({1, rows, 1}, torch::kLong) : torch::stack(back))
                            .to(torch::kCPU, torch::kLong)
                            .contiguous();
  const auto from = pointers.accessor<std::int64_t, 3>();
  const auto n_of = lengths.accessor<std::int64_t, 1>();
  const auto last_of = last.accessor<std::int64_t, 1>();
  auto path = torch::zeros({rows, length}, torch::kLong);
  auto p = path.accessor<std::int64_t, 2>();
  for (std::int64_t b = 0; b < rows; ++b) {
    const std::int64_t n = n_of[b];
    if (n == 0) continue;
    p[b][n - 1] = last_of[b];
    for (std::int64_t t = n - 1; t > 0; --t) p[b][t - 1] = from[t - 1][b][p[b][t]];
  }
  return path;
}

}  // namespace mtlab::crf
