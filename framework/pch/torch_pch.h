#pragma once
// Precompiled for every LibTorch-heavy target (framework/CMakeLists.txt):
// torch/torch.h alone costs most of a translation unit's compile time.
#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>
