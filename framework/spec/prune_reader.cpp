#include "prune_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "mtlab/core/suggest.h"
#include "mtlab/spec/resolve_options.h"
#include "mtlab/spec/schema.h"
#include "sweep_values.h"

namespace mtlab::spec::detail {
namespace {

using json = nlohmann::json;

class Reader {
 public:
  Reader(const Document& doc, std::vector<Diagnostic>& errors) : doc_(doc), errors_(errors) {}

  std::optional<PruneSpec> read(const json& table) {
    if (!table.is_object()) {
      error("sweep.prune", "expected a table [sweep.prune] with method = \"asha\" or \"median\", got " + table.dump());
      return std::nullopt;
    }
    const std::size_t before = errors_.size();
    static const std::vector<std::string> known = child_keys("sweep.prune");
    for (auto it = table.begin(); it != table.end(); ++it) {
      if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
        error("sweep.prune." + it.key(),
              "unknown key" + did_you_mean_or(it.key(), known, "; expected one of: " + join(known)));
      }
    }
    PruneSpec s;
    if (!table.contains("method")) {
      error("sweep.prune", "missing method: expected method = \"asha\" or \"median\"");
    } else if (auto m = read_choice<PruneMethod>(table["method"], "sweep.prune.method", sink())) {
      s.method = *m;
    }
    if (table.contains("resource")) {
      if (auto r = read_choice<PruneResource>(table["resource"], "sweep.prune.resource", sink())) s.resource = *r;
    }
    integer(table, "min_resource", s.min_resource);
    integer(table, "max_resource", s.max_resource);
    only_for(table, "eta", PruneMethod::asha, s.method, s.eta);
    only_for(table, "interval", PruneMethod::median, s.method, s.interval);
    only_for(table, "min_trials", PruneMethod::median, s.method, s.min_trials);
    if (s.max_resource > 0 && s.max_resource <= s.min_resource) {
      error("sweep.prune.max_resource", fmt::format("expected more than min_resource ({}), got {}: no rung would be "
                                                    "judged before a trial completes",
                                                    s.min_resource, s.max_resource));
    }
    if (errors_.size() > before) return std::nullopt;
    return s;
  }

 private:
  const Document& doc_;
  std::vector<Diagnostic>& errors_;

  void error(const std::string& key, std::string message) {
    errors_.push_back(Diagnostic{doc_.location(key), key, std::move(message)});
  }

  ErrorSink sink() {
    return [this](const std::string& key, std::string message) { error(key, std::move(message)); };
  }

  void integer(const json& table, const std::string& name, std::int64_t& out) {
    const auto it = table.find(name);
    if (it == table.end()) return;
    const std::string key = "sweep.prune." + name;
    if (auto n = read_integer(*it, key, key, sink())) out = *n;
  }

  void only_for(const json& table, const std::string& name, PruneMethod method, PruneMethod given, std::int64_t& out) {
    if (table.contains(name) && given != method) {
      error("sweep.prune." + name, fmt::format("applies to method = \"{}\" only", enum_name(method)));
      return;
    }
    integer(table, name, out);
  }
};

}  // namespace

std::optional<PruneSpec> read_prune(const Document& doc, std::vector<Diagnostic>& errors) {
  const auto sweep = doc.tree.find("sweep");
  if (sweep == doc.tree.end() || !sweep->is_object()) return std::nullopt;
  const auto prune = sweep->find("prune");
  if (prune == sweep->end()) return std::nullopt;
  return Reader(doc, errors).read(*prune);
}

void check_prune_fits(const PruneSpec& spec, const Document& doc, const Trial& trial, std::vector<Diagnostic>& errors) {
  const TrainingOptions t = resolve_options(trial).training;
  auto error = [&](const std::string& key, std::string message) {
    errors.push_back(Diagnostic{doc.location(key), key, fmt::format("trial {}: {}", trial.name, message)});
  };
  if (spec.resource == PruneResource::epochs && t.max_steps > 0) {
    error("sweep.prune.resource", fmt::format("rungs count epochs, but training.max_steps = {} sets the trial's "
                                              "length in steps: use resource = \"steps\"",
                                              t.max_steps));
    return;
  }
  if (spec.resource == PruneResource::steps && t.eval_every == 0) {
    error("sweep.prune.resource", "rungs count steps, but training.eval_every = 0 evaluates at epoch ends only: set "
                                  "training.eval_every to the steps between evaluations, or use resource = \"epochs\"");
    return;
  }
  if (spec.resource == PruneResource::epochs) {
    const std::int64_t length = spec.max_resource > 0 ? spec.max_resource : t.epochs;
    if (spec.max_resource > t.epochs) {
      error("sweep.prune.max_resource", fmt::format("{} epochs is more than training.epochs = {}", spec.max_resource,
                                                    t.epochs));
    } else if (spec.min_resource >= length) {
      error("sweep.prune.min_resource", fmt::format("the first rung ({} epochs) is not before the trial completes ({} "
                                                    "epochs): no trial would ever be judged",
                                                    spec.min_resource, length));
    }
  }
}

}  // namespace mtlab::spec::detail
