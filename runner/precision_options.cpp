#include "precision_options.h"

#include <CLI/CLI.hpp>

#include "mtlab/core/error.h"

namespace mtlab::cli {

void add_precision_options(CLI::App& command, PrecisionOptions& options) {
  auto* dtype = command.add_option("--dtype", options.dtype,
                                   "Linear layers' precision: fp32, or bf16 (oneDNN on AVX512_BF16/AMX; "
                                   "falls back to fp32 with a warning where the CPU lacks it)")
                    ->check(CLI::IsMember({"fp32", "bf16"}));
  command
      .add_option("--quantize", options.quantize,
                  "int8: the backbone's linear layers dynamically quantized (int8 weights per output channel, "
                  "activations per batch; oneDNN on VNNI/AMX; falls back to fp32 with a warning where the CPU "
                  "lacks it)")
      ->check(CLI::IsMember({"int8"}))
      ->excludes(dtype);
}

Precision chosen_precision(const PrecisionOptions& options) {
  if (options.quantize == "int8") return usable_precision(Precision::int8, "--quantize int8");
  if (options.dtype == "bf16") return usable_precision(Precision::bf16, "--dtype bf16");
  if (options.dtype != "fp32") throw Error("--dtype " + options.dtype + ": expected fp32 or bf16");
  return Precision::fp32;
}

}  // namespace mtlab::cli
