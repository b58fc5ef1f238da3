#include "mtlab/options/freeze_spec.h"

#include <fmt/format.h>

#include <algorithm>

#include "mtlab/core/error.h"
#include "mtlab/core/suggest.h"

namespace mtlab {
namespace {

using Kind = FreezeSpec::Kind;

struct Simple {
  std::string_view name;
  Kind kind;
};
constexpr Simple kSimple[] = {
    {"none", Kind::none}, {"all", Kind::all}, {"backbone", Kind::backbone}, {"embeddings", Kind::embeddings}};
constexpr std::string_view kLayers = kLayersPrefix, kHead = "head:";

std::vector<std::string> simple_names() {
  std::vector<std::string> out;
  for (const auto& s : kSimple) out.emplace_back(s.name);
  return out;
}

std::int64_t parse_layers(std::string_view text, std::int64_t max_layers) {
  const std::string_view n = text.substr(kLayers.size());
  const bool digits = !n.empty() && n.size() < 10 && n.find_first_not_of("0123456789") == std::string_view::npos;
  const std::int64_t k = digits ? std::stoll(std::string(n)) : -1;
  if (k < 0 || k > max_layers) {
    throw Error(fmt::format("'{}': K must be an integer in [0, {}] (the backbone's encoder layers)", text, max_layers));
  }
  return k;
}

}  // namespace

std::string FreezeSpec::text() const {
  if (kind == Kind::layers) return layers_freeze(layers);
  if (kind == Kind::head) return std::string(kHead) + head;
  for (const auto& s : kSimple) {
    if (s.kind == kind) return std::string(s.name);
  }
  return "none";
}

FreezeSpec parse_freeze(std::string_view text, const std::vector<std::string>& tasks, std::int64_t max_layers) {
  FreezeSpec out;
  for (const auto& s : kSimple) {
    if (s.name == text) return out.kind = s.kind, out;
  }
  if (text.starts_with(kLayers)) {
    out.kind = Kind::layers;
    out.layers = parse_layers(text, max_layers);
    return out;
  }
  if (text.starts_with(kHead)) {
    out.kind = Kind::head;
    out.head = std::string(text.substr(kHead.size()));
    if (std::find(tasks.begin(), tasks.end(), out.head) == tasks.end()) {
      throw Error(fmt::format("'{}': no task named '{}'{}; tasks: {}", text, out.head, did_you_mean(out.head, tasks),
                              tasks.empty() ? "none" : join(tasks)));
    }
    return out;
  }
  throw Error(fmt::format("'{}' is not a freeze policy, expected {}{}", text, kFreezeGrammar,
                          did_you_mean(text, simple_names())));
}

std::vector<std::string> freeze_scenarios(const std::vector<std::string>& tasks) {
  std::vector<std::string> out = simple_names();
  for (const auto& t : tasks) out.push_back(std::string(kHead) + t);
  return out;
}

std::string layers_freeze(std::int64_t k) { return fmt::format("{}{}", kLayers, k); }

}  // namespace mtlab
