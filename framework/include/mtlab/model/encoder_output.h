#pragma once
// What a backbone hands to the task heads for one batch.
#include <ATen/core/Tensor.h>

namespace mtlab {

struct EncoderOutput {
  at::Tensor token_states;    // [B, T, H] last hidden state
  at::Tensor pooled;          // [B, H] the backbone's pooler output (tanh(W·h_CLS + b) for BERT)
  at::Tensor attention_mask;  // [B, T] int64, 1 for real tokens, 0 for padding
};

}  // namespace mtlab
