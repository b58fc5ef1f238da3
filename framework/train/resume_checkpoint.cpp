#include "mtlab/train/resume_checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdio>

#include "mtlab/core/error.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/train/multitask_model.h"

namespace mtlab {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "mtlab-resume-1";

std::string describe(const at::Tensor& t) {
  return fmt::format("{} [{}]", c10::toString(t.scalar_type()), fmt::join(t.sizes(), ", "));
}

// Copies `saved` into `target`, which must have the same shape and type.
void copy_checked(const fs::path& file, const std::string& key, const at::Tensor& saved, at::Tensor& target) {
  if (saved.sizes() != target.sizes() || saved.scalar_type() != target.scalar_type()) {
    throw Error(fmt::format("{}: tensor '{}' is {} in the checkpoint but {} in the model being resumed", file.string(),
                            key, describe(saved), describe(target)));
  }
  torch::NoGradGuard guard;
  target.copy_(saved);
}

template <class T>
T read_value(torch::serialize::InputArchive& archive, const fs::path& file, const std::string& key) {
  c10::IValue value;
  if (!archive.try_read(key, value)) throw Error(fmt::format("{}: '{}' is missing", file.string(), key));
  return value.to<T>();
}

}  // namespace

void save_resume_checkpoint(const fs::path& file, const ResumeState& s, const ResumeTensors& t) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("state.epoch", c10::IValue(s.epoch));
  archive.write("state.position", c10::IValue(s.position));
  archive.write("state.step", c10::IValue(s.step));
  archive.write("state.batches_done", c10::IValue(s.batches_done));
  archive.write("state.joined", c10::IValue(s.joined));
  archive.write("state.finished", c10::IValue(s.finished));
  archive.write("state.have_best", c10::IValue(s.have_best));
  archive.write("state.best_value", c10::IValue(s.best_value));
  archive.write("state.best_step", c10::IValue(s.best_step));
  archive.write("state.evals_without_gain", c10::IValue(s.evals_without_gain));
  archive.write("state.data_rng", c10::IValue(s.data_rng));
  for (const auto& item : t.model->named_parameters()) archive.write("model." + item.key(), item.value().detach());
  for (const auto& item : t.model->named_buffers()) archive.write("buffer." + item.key(), item.value(), true);
  if (t.optimizer) {
    torch::serialize::OutputArchive nested;
    t.optimizer->save(nested);
    archive.write("optimizer", nested);
    archive.write("state.optimizer_states", c10::IValue(static_cast<std::int64_t>(t.optimizer->state().size())));
  }
  if (t.log_variance && t.log_variance->defined()) archive.write("log_variance", t.log_variance->detach());
  const std::int64_t best = t.best ? static_cast<std::int64_t>(t.best->size()) : 0;
  archive.write("state.best_tensors", c10::IValue(best));
  for (std::int64_t i = 0; i < best; ++i) archive.write(fmt::format("best.{}", i), (*t.best)[i]);
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("torch_rng", generator.get_state(), true);
  }
  fs::create_directories(file.parent_path());
  io::write_file_atomically(file, [&](std::FILE* f) {
    bool ok = true;
    archive.save_to([&](const void* data, std::size_t n) -> std::size_t {
      if (ok && std::fwrite(data, 1, n, f) != n) ok = false;
      return n;
    });
    return ok;
  });
}

ResumeState load_resume_checkpoint(const fs::path& file, const ResumeTensors& t) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const c10::Error& e) {
    throw Error(fmt::format("{}: not a readable resume checkpoint ({})", file.string(), e.what_without_backtrace()));
  }
  const auto format = read_value<std::string>(archive, file, "format");
  if (format != kFormat) {
    throw Error(fmt::format("{}: checkpoint format '{}', expected '{}'", file.string(), format, kFormat));
  }
  ResumeState s;
  s.epoch = read_value<std::int64_t>(archive, file, "state.epoch");
  s.position = read_value<std::int64_t>(archive, file, "state.position");
  s.step = read_value<std::int64_t>(archive, file, "state.step");
  s.batches_done = read_value<std::int64_t>(archive, file, "state.batches_done");
  s.joined = read_value<std::int64_t>(archive, file, "state.joined");
  s.finished = read_value<bool>(archive, file, "state.finished");
  s.have_best = read_value<bool>(archive, file, "state.have_best");
  s.best_value = read_value<double>(archive, file, "state.best_value");
  s.best_step = read_value<std::int64_t>(archive, file, "state.best_step");
  s.evals_without_gain = read_value<std::int64_t>(archive, file, "state.evals_without_gain");
  s.data_rng = read_value<std::string>(archive, file, "state.data_rng");

  for (auto& item : t.model->named_parameters()) {
    at::Tensor saved;
    if (!archive.try_read("model." + item.key(), saved)) {
      throw Error(fmt::format("{}: parameter '{}' of the model is missing", file.string(), item.key()));
    }
    copy_checked(file, item.key(), saved, item.value());
  }
  for (auto& item : t.model->named_buffers()) {
    at::Tensor saved;
    if (!archive.try_read("buffer." + item.key(), saved, true)) {
      throw Error(fmt::format("{}: buffer '{}' of the model is missing", file.string(), item.key()));
    }
    copy_checked(file, item.key(), saved, item.value());
  }
  if (t.optimizer) {
    torch::serialize::InputArchive nested;
    if (!archive.try_read("optimizer", nested)) throw Error(fmt::format("{}: the optimizer state is missing", file.string()));
    t.optimizer->load(nested);
    const auto saved_states = read_value<std::int64_t>(archive, file, "state.optimizer_states");
    if (static_cast<std::int64_t>(t.optimizer->state().size()) != saved_states) {
      throw Error(fmt::format("{}: the optimizer had state for {} parameters but {} were restored: its plugin does "
                              "not save and load its state (torch::optim::Optimizer::save/load), so it cannot resume",
                              file.string(), saved_states, t.optimizer->state().size()));
    }
  }
  if (t.log_variance && t.log_variance->defined()) {
    at::Tensor saved;
    if (!archive.try_read("log_variance", saved)) throw Error(fmt::format("{}: 'log_variance' is missing", file.string()));
    copy_checked(file, "log_variance", saved, *t.log_variance);
  }
  const auto best = read_value<std::int64_t>(archive, file, "state.best_tensors");
  if (t.best) {
    t.best->clear();
    for (std::int64_t i = 0; i < best; ++i) {
      at::Tensor saved;
      if (!archive.try_read(fmt::format("best.{}", i), saved)) {
        throw Error(fmt::format("{}: tensor {} of the best model is missing", file.string(), i));
      }
      t.best->push_back(saved.detach().clone());
    }
  }
  at::Tensor rng;
  if (!archive.try_read("torch_rng", rng, true)) throw Error(fmt::format("{}: 'torch_rng' is missing", file.string()));
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(rng);
  return s;
}

}  // namespace mtlab
