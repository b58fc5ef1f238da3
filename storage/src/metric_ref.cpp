#include "mtlab/storage/metric_ref.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "mtlab/core/error.h"

namespace mtlab::storage {

Direction default_direction(std::string_view metric_name) {
  std::string n(metric_name);
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"loss", "error", "perplexity"}) {
    if (n.find(word) != std::string::npos) return Direction::lower;
  }
  for (const char* exact : {"mse", "mae", "rmse", "wer", "cer", "ppl"}) {
    if (n == exact) return Direction::lower;
  }
  return Direction::higher;
}

std::string_view to_string(Direction direction) { return direction == Direction::lower ? "lower" : "higher"; }

std::string MetricRef::label() const { return task.empty() ? split + "." + name : task + "." + split + "." + name; }

MetricRef resolve_metric(std::string_view text, const std::vector<std::string>& available) {
  const auto has = [&](const MetricRef& m) {
    return std::find(available.begin(), available.end(), m.label()) != available.end();
  };
  const auto first = text.find('.');
  const auto second = first == std::string_view::npos ? first : text.find('.', first + 1);
  std::vector<MetricRef> readings;
  if (first != std::string_view::npos && second != std::string_view::npos) {
    const std::string a(text.substr(0, first)), b(text.substr(first + 1, second - first - 1)),
        rest(text.substr(second + 1));
    readings.push_back({a, b, rest});  // task.split.name
    readings.push_back({b, a, rest});  // split.task.name
  }
  if (first != std::string_view::npos) {
    readings.push_back({"", std::string(text.substr(0, first)), std::string(text.substr(first + 1))});  // split.name
  }
  for (const auto& m : readings) {
    if (!m.split.empty() && !m.name.empty() && has(m)) return m;
  }
  std::string known;
  for (const auto& a : available) known += (known.empty() ? "" : ", ") + a;
  throw Error("metric '" + std::string(text) + "' not found (expected task.split.name, e.g. intent.dev.accuracy; " +
              (known.empty() ? std::string("the experiment has no final metrics") : "available: " + known) + ")");
}

}  // namespace mtlab::storage
