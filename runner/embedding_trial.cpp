// The seed's Task 1 as a trial: sentences in, embeddings and their similarities
// on record.
#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/model/backbone.h"
#include "mtlab/model/sentence_encoder.h"
#include "trial_runner.h"

namespace mtlab::cli {

TrialOutcome run_embedding_trial(const TrialContext& context, Recorder& recorder) {
  const spec::Trial& trial = *context.trial;
  TrialOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  const Config embed = trial.view("embed");
  auto backbone = create_backbone(context, outcome);
  if (backbone->needs_texts()) {
    throw Error(fmt::format("{}: an [embed] experiment needs a trained backbone: set backbone.checkpoint or "
                            "backbone.from_run",
                            trial.file));
  }
  SentenceEncoderOptions options;
  options.pooling = {pooling_from_name(embed.get_choice("pooling", "pooler", {"pooler", "cls", "mean", "max"}))};
  options.normalize = embed.get_bool("normalize", false);
  std::vector<SentenceInput> inputs;
  for (const auto& sentence : embed.get_string_list("sentences")) inputs.push_back({sentence, std::nullopt});
  SentenceEncoder encoder(backbone, options);
  const at::Tensor embeddings = encoder.encode(inputs);  // [N, D]
  const at::Tensor unit = embeddings / embeddings.norm(2, 1, true).clamp_min(1e-12);
  const at::Tensor similarity = unit.matmul(unit.t());
  const auto n = embeddings.size(0);
  recorder.fact("embed.shape", fmt::format("[{}, {}]", n, embeddings.size(1)));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      recorder.metric("", "embed", fmt::format("similarity.{}.{}", i, j), 0, similarity[i][j].item<double>(),
                      std::nullopt);
    }
  }
  recorder.flush();
  std::filesystem::create_directories(context.output_dir);
  const auto file = context.output_dir / "embeddings.safetensors";
  io::save_safetensors(file, {{"embeddings", embeddings.contiguous()}, {"similarity", similarity.contiguous()}});
  recorder.artifact("embeddings", file);
  std::string table = fmt::format("  embeddings [{}, {}]; cosine similarity:\n", n, embeddings.size(1));
  for (std::int64_t i = 0; i < n; ++i) {
    table += "   ";
    for (std::int64_t j = 0; j < n; ++j) table += fmt::format(" {:7.4f}", similarity[i][j].item<double>());
    table += "   " + inputs[static_cast<std::size_t>(i)].text + "\n";
  }
  log::info("{}", table);
  outcome.result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace mtlab::cli
