#pragma once
// Dropout as at::dropout computes it in training (each element zeroed with
// probability p, the others scaled by 1 / (1 - p); the identity otherwise), with
// the mask drawn by a counter-based hash (splitmix64 of the element's index)
// seeded by one 64-bit draw from LibTorch's default CPU generator. LibTorch
// 1.13 draws its Bernoulli mask element by element on one thread (3 ms for one
// BERT-base hidden state of 16 x 32 tokens, about 5 % of a training step over
// its 37 dropouts); this is one parallel, vectorised pass. Seeded runs stay
// reproducible and resumable (checkpoints save that generator's state), and the
// mask does not depend on the thread count. Tensors off the CPU, and types other
// than float32 and bfloat16, take at::dropout.
#include <ATen/core/Tensor.h>

namespace mtlab {

at::Tensor dropout(const at::Tensor& x, double p, bool train);

}  // namespace mtlab
