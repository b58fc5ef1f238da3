#pragma once
// The tensors of a BERT-style masked-LM head (transform: dense hidden→hidden,
// activation, LayerNorm; then a decoder whose weight is the backbone's input
// word embeddings, plus an output bias). A head hands them out
// (Head::lm_head_weights) so the backbone can write them into its Hugging Face
// checkpoint under its family's names (BERT: cls.predictions.*).
#include <ATen/core/Tensor.h>

namespace mtlab {

struct LmHeadWeights {
  at::Tensor dense_weight, dense_bias;  // [H, H], [H]
  at::Tensor norm_weight, norm_bias;    // [H], [H]
  at::Tensor bias;                      // [V]
  at::Tensor decoder_weight;            // [V, H]: the input word embeddings (tied, not a copy)
};

}  // namespace mtlab
