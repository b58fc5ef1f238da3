#pragma once
// `--dtype fp32|bf16` and `--quantize int8`, shared by encode and predict: which
// precision the backbone's linear layers compute in (mtlab/model/precision.h).
#include <string>

#include "mtlab/model/precision.h"

namespace CLI {
class App;
}

namespace mtlab::cli {

struct PrecisionOptions {
  std::string dtype = "fp32";
  std::string quantize;  // "" or int8
};

void add_precision_options(CLI::App& command, PrecisionOptions& options);

// The precision asked for, or fp32 with a warning where this CPU lacks its instructions.
Precision chosen_precision(const PrecisionOptions& options);

}  // namespace mtlab::cli
