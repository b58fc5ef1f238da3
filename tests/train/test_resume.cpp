// Resume checkpoints: a run stopped at any point (Ctrl-C, which checkpoints
// where it stops, or a crash, which leaves the last periodic checkpoint) and
// continued with TrainInputs::resume ends exactly like a run never stopped:
// same parameters bit for bit, same test metrics, same training record.
#include <catch2/catch.hpp>

#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/interrupt.h"
#include "mtlab/train/resume_checkpoint.h"
#include "training_fixture.h"

namespace mtlab {
namespace {

namespace fs = std::filesystem;

using test::Simulated;
using test::StoppingRecorder;

struct Variant {
  std::string name;
  TrainerOptions options;
  std::string freeze = "none";
  bool frozen_cache = false;  // a cache per run, empty at the start, as in a new process
};

std::vector<Variant> variants() {
  TrainerOptions base;
  base.epochs = 3;
  base.batch_size = 16;  // 160 examples: 10 batches an epoch
  base.log_every = 1;
  base.progress = false;
  base.seed = 11;
  std::vector<Variant> out;
  out.push_back({"epoch-end checkpoints", base});
  auto every = base;
  every.checkpoint_every = 4;
  every.eval_every = 3;
  out.push_back({"every 4 steps, eval every 3", every});
  auto accumulate = base;
  accumulate.grad_accumulation = 2;
  accumulate.checkpoint_every = 2;
  accumulate.weighting.method = WeightingMethod::uncertainty;
  out.push_back({"grad accumulation + uncertainty weighting", accumulate});
  auto unfreeze = base;
  unfreeze.unfreeze.every = 7;
  unfreeze.unfreeze.unit = UnfreezeUnit::steps;
  unfreeze.checkpoint_every = 5;
  out.push_back({"gradual unfreezing every 7 steps", unfreeze});
  auto early = base;
  early.epochs = 4;
  early.early_stopping = true;
  early.patience = 1;
  early.metric = "dev.intent.accuracy";
  out.push_back({"early stopping on dev.intent.accuracy", early});
  // The resumed run starts with an empty cache and computes the frozen prefix
  // of sentences the interrupted one had cached: the same bits.
  out.push_back({"layers:1 frozen, through the frozen-prefix cache", every, "layers:1", true});
  return out;
}

struct Outcome {
  std::map<std::string, at::Tensor> parameters;
  TrainResult result;
  std::vector<test::MemoryRecorder::Row> rows;
};

Outcome run(const Variant& v, const fs::path& output, StoppingRecorder& recorder, bool resume) {
  auto setup = test::make_tiny_setup(9);
  auto inputs = setup.inputs(v.freeze);
  FrozenPrefixCache cache;
  if (v.frozen_cache) inputs.frozen_cache = &cache;
  inputs.output_dir = output;
  inputs.resume = resume;
  Outcome out;
  out.result = train(inputs, v.options, recorder);
  out.parameters = test::parameter_copy(*setup.model);
  out.rows = recorder.rows;
  return out;
}

void require_same(const Outcome& a, const Outcome& b) {
  REQUIRE(a.parameters.size() == b.parameters.size());
  for (const auto& [name, tensor] : a.parameters) {
    INFO(name);
    CHECK(torch::equal(tensor, b.parameters.at(name)));
  }
  CHECK(a.result.steps == b.result.steps);
  CHECK(a.result.best_step == b.result.best_step);
  CHECK(a.result.test == b.result.test);  // exactly
  CHECK(a.result.dev == b.result.dev);
  REQUIRE(a.rows.size() == b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    INFO(a.rows[i].split << "." << a.rows[i].task << "." << a.rows[i].name << " at step " << a.rows[i].step);
    CHECK(a.rows[i].name == b.rows[i].name);
    CHECK(a.rows[i].step == b.rows[i].step);
    CHECK(a.rows[i].value == b.rows[i].value);
  }
}

}  // namespace

TEST_CASE("a run stopped and resumed ends exactly like one never stopped", "[train][resume]") {
  for (const auto& v : variants()) {
    for (auto how : {StoppingRecorder::How::interrupt, StoppingRecorder::How::crash}) {
      for (std::int64_t stop_at : {3, 10, 14}) {
        const bool interrupt = how == StoppingRecorder::How::interrupt;
        DYNAMIC_SECTION(v.name << (interrupt ? ", Ctrl-C" : ", crash") << " at step " << stop_at) {
          const auto dir = test::scratch_dir("resume");
          StoppingRecorder never(StoppingRecorder::How::never, 0);
          const Outcome reference = run(v, dir / "reference", never, false);
          REQUIRE(reference.result.steps > stop_at);
          CHECK_FALSE(fs::exists(resume_checkpoint_file(dir / "reference")));  // removed when complete

          StoppingRecorder stopping(how, stop_at);
          if (interrupt) {
            CHECK_THROWS_AS(run(v, dir / "stopped", stopping, false), Interrupted);
            clear_interrupt();
          } else {
            CHECK_THROWS_AS(run(v, dir / "stopped", stopping, false), Simulated);
          }
          // A crash before the first checkpoint leaves nothing to resume from:
          // the run then starts over, which must end the same way too.
          const bool has_checkpoint = fs::exists(resume_checkpoint_file(dir / "stopped"));
          if (interrupt) CHECK(has_checkpoint);

          StoppingRecorder resumed_recorder(StoppingRecorder::How::never, 0);
          resumed_recorder.rows = stopping.rows;  // what the database kept of the first attempt
          const Outcome resumed = run(v, dir / "stopped", resumed_recorder, true);
          if (has_checkpoint) {
            CHECK(resumed_recorder.rewound_to >= 1);
            CHECK(resumed_recorder.rewound_to <= stop_at);
            CHECK(resumed_recorder.facts.count("train.resumed_from_step") == 1);
            if (interrupt) CHECK(resumed_recorder.rewound_to == stop_at);  // Ctrl-C checkpoints where it stops
          } else {
            resumed_recorder.rows.erase(resumed_recorder.rows.begin(),
                                        resumed_recorder.rows.begin() + static_cast<long>(stopping.rows.size()));
          }
          auto resumed_outcome = resumed;
          resumed_outcome.rows = resumed_recorder.rows;
          require_same(reference, resumed_outcome);
        }
      }
    }
  }
}

TEST_CASE("a resume checkpoint that does not fit the model is refused by name", "[train][resume]") {
  const auto dir = test::scratch_dir("resume_mismatch");
  auto setup = test::make_tiny_setup(9);
  auto inputs = setup.inputs("none");
  TrainerOptions o;
  o.epochs = 1;
  o.batch_size = 16;
  o.progress = false;
  inputs.output_dir = dir;
  StoppingRecorder stopping(StoppingRecorder::How::interrupt, 4);
  CHECK_THROWS_AS(train(inputs, o, stopping), Interrupted);
  clear_interrupt();
  const auto file = resume_checkpoint_file(dir);
  REQUIRE(fs::exists(file));

  // A model whose tensor has another shape cannot take the checkpoint's.
  auto other = test::make_tiny_setup(9);
  auto params = other.model->named_parameters();
  const std::string changed = params.begin()->key();
  params.begin()->value().set_data(torch::zeros({3}));
  ResumeTensors tensors{other.model.get()};
  CHECK_THROWS_WITH(load_resume_checkpoint(file, tensors),
                    Catch::Contains(file.string()) && Catch::Contains("'" + changed + "'") &&
                        Catch::Contains("in the checkpoint but Float [3] in the model"));

  // A file cut short is not read as a checkpoint.
  const auto size = fs::file_size(file);
  fs::resize_file(file, size / 2);
  ResumeTensors same{setup.model.get()};
  CHECK_THROWS_WITH(load_resume_checkpoint(file, same), Catch::Contains("not a readable resume checkpoint"));
}

}  // namespace mtlab
