#pragma once
// The linear-chain CRF's algorithms on tensors, private to the crf plugin.
// Scores: emissions [B, L, C], `transitions` [C, C] (from row to column),
// `start` and `end` [C]; `mask` [B, L] (bool) is true on a prefix of each row.
#include <ATen/core/Tensor.h>

namespace mtlab::crf {

// The positions where `keep` [B, T] is true, moved to the front of each row in
// their order: `index` [B, L] (the original positions; L = the most kept in a
// row, at least 1) and `mask` [B, L] (true for the kept ones). Gather with
// `x.gather(1, index)` (expanded for a trailing dimension) and scatter back.
struct Packed {
  at::Tensor index;
  at::Tensor mask;
};
Packed pack_front(const at::Tensor& keep);
at::Tensor gather_rows(const at::Tensor& x, const at::Tensor& index);  // x [B, T] or [B, T, C]

// log Σ over all label sequences of exp(score), per row [B]: the forward algorithm
// (log-sum-exp). A row with an empty mask gives a finite, meaningless value.
at::Tensor log_partition(const at::Tensor& emissions, const at::Tensor& mask, const at::Tensor& start,
                         const at::Tensor& end, const at::Tensor& transitions);

// The score of the label sequence `tags` [B, L] (int64; ignored where masked off), per row [B].
at::Tensor sequence_score(const at::Tensor& emissions, const at::Tensor& tags, const at::Tensor& mask,
                          const at::Tensor& start, const at::Tensor& end, const at::Tensor& transitions);

// The best label sequence per row [B, L] (int64, on the CPU; 0 where masked off).
// Scores of -inf forbid a start or a transition; some path must stay allowed.
at::Tensor viterbi(const at::Tensor& emissions, const at::Tensor& mask, const at::Tensor& start, const at::Tensor& end,
                   const at::Tensor& transitions);

}  // namespace mtlab::crf
