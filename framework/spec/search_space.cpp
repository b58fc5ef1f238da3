#include "search_space.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "mtlab/core/suggest.h"
#include "mtlab/options/trial_options.h"
#include "mtlab/spec/schema.h"
#include "mtlab/spec/sobol.h"

namespace mtlab::spec::detail {
namespace {

using json = nlohmann::json;
using D = Distribution;

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53: int bounds stay exact as doubles

std::string field(const std::string& loc_key, std::string_view name) { return loc_key + "." + std::string(name); }

// `v` with `digits` significant digits, through its decimal text (correctly rounded both ways).
double rounded(double v, int digits) {
  const std::string text = fmt::format("{:.{}e}", v, digits - 1);
  double out = v;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

double clamp_rounded(double v, int digits, double low, double high) { return std::clamp(rounded(v, digits), low, high); }

// A uniform value to 4 significant digits of its range's width: 0.8123 in [0.7, 1.0],
// 100.347 in [100, 101] (a quantum of 10^(⌊log10 width⌋ − 3), through decimal text).
double uniform_rounded(double v, double low, double high) {
  const int quantum = static_cast<int>(std::floor(std::log10(high - low))) - (kSampledDigits - 1);
  double out = v;
  if (quantum < 0) {
    const std::string text = fmt::format("{:.{}f}", v, -quantum);
    std::from_chars(text.data(), text.data() + text.size(), out);
  } else {
    const double q = std::pow(10.0, quantum);
    out = std::round(v / q) * q;
  }
  return std::clamp(out, low, high);
}

// Index in [0, n) for u in [0, 1).
std::size_t bin(double u, std::size_t n) {
  return std::min(static_cast<std::size_t>(u * static_cast<double>(n)), n - 1);
}

// 3 for an integral value, else the shortest text that reads back: 0.15, 1e-05.
std::string number_text(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return json(v).dump();
}

// Which fields each distribution reads (the reference's help says the same in words).
bool applies(std::string_view name, D kind) {
  if (name == "distribution" || name == "when") return true;
  if (name == "low" || name == "high") return kind != D::choice;
  if (name == "step") return kind == D::uniform || kind == D::integer;
  if (name == "log") return kind == D::integer;
  if (name == "values") return kind == D::choice;
  if (name == "points") return kind == D::uniform || kind == D::loguniform;
  return false;
}

std::vector<std::string> field_names() { return child_keys("sweep.search.*"); }

std::vector<std::string> names_of(const std::vector<std::string_view>& views) { return {views.begin(), views.end()}; }

// One entry of [sweep.search] before its `when` is linked to the other keys.
struct Entry {
  SearchDim dim;
  const json* when = nullptr;
};

class Reader {
 public:
  Reader(const Document& doc, std::size_t max_trials, const ErrorSink& error)
      : doc_(doc), max_trials_(max_trials), error_(error) {}

  std::optional<SearchSpec> read(const json& sweep) {
    const auto search = sweep.find("search");
    const bool given = search != sweep.end() && *search != json::object();
    if (!given) {
      if (search == sweep.end()) refuse_settings_without_search(sweep);
      return std::nullopt;
    }
    if (!search->is_object()) {
      error_("sweep.search", "expected a table { \"dotted.key\" = { distribution = …, … }, … }, got " + search->dump());
      return std::nullopt;
    }
    const std::size_t before = count_;
    std::vector<Entry> entries;
    collect(*search, "", "sweep.search", entries);
    std::stable_sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
      const auto la = doc_.location(a.dim.loc_key), lb = doc_.location(b.dim.loc_key);
      return std::tie(la.file, la.line, la.column) < std::tie(lb.file, lb.line, lb.column);
    });
    SearchSpec spec;
    std::vector<bool> conditional;
    for (const auto& e : entries) {
      spec.dims.push_back(e.dim);
      conditional.push_back(e.when != nullptr);
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].when) link_conditions(*entries[i].when, spec.dims, conditional, i);
    }
    settings(sweep, spec);
    if (count_ > before) return std::nullopt;
    return spec;
  }

 private:
  const Document& doc_;
  std::size_t max_trials_;
  const ErrorSink& error_;
  std::size_t count_ = 0;  // problems reported

  void error(const std::string& loc_key, std::string message) {
    ++count_;
    error_(loc_key, std::move(message));
  }

  void refuse_settings_without_search(const json& sweep) {
    for (const char* key : {"trials", "sampler", "search_seed"}) {
      if (sweep.contains(key)) error(fmt::format("sweep.{}", key), "applies to [sweep.search], which this spec does not have");
    }
  }

  static bool looks_like_distribution(const json& t) {
    const auto names = field_names();
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return t.contains(n); });
  }

  // Nested tables are dotted keys, as in [sweep.grid]; a table naming any field is one key's distribution.
  void collect(const json& table, const std::string& prefix, const std::string& loc_prefix, std::vector<Entry>& out) {
    for (auto it = table.begin(); it != table.end(); ++it) {
      const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
      const std::string loc_key = child_key(loc_prefix, it.key());
      if (it->is_object() && !looks_like_distribution(*it)) {
        collect(*it, key, loc_key, out);
      } else if (!it->is_object()) {
        error(loc_key, fmt::format("expected a distribution, e.g. {{ distribution = \"uniform\", low = 0.0, high = 0.5 }}, got {}", it->dump()));
      } else if (auto e = entry(*it, key, loc_key)) {
        out.push_back(std::move(*e));
      }
    }
  }

  std::optional<Entry> entry(const json& t, const std::string& key, const std::string& loc_key) {
    Entry e;
    e.dim.key = key;
    e.dim.loc_key = loc_key;
    const auto kinds = enum_names<D>();
    const auto d = t.find("distribution");
    if (d == t.end() || !d->is_string() || !enum_from_name<D>(d->get<std::string>())) {
      const std::string got = d == t.end() ? "none" : d->dump();
      error(d == t.end() ? loc_key : field(loc_key, "distribution"),
            fmt::format("expected distribution = one of {}, got {}{}", join(kinds), got,
                        d != t.end() && d->is_string() ? did_you_mean(d->get<std::string>(), kinds) : ""));
      return std::nullopt;
    }
    e.dim.kind = *enum_from_name<D>(d->get<std::string>());
    const std::size_t before = count_;
    const auto names = field_names();
    for (auto it = t.begin(); it != t.end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) == names.end()) {
        error(field(loc_key, it.key()), "unknown key" + did_you_mean_or(it.key(), names, "; expected one of: " + join(names)));
      } else if (!applies(it.key(), e.dim.kind)) {
        error(field(loc_key, it.key()), fmt::format("does not apply to distribution '{}'", d->get<std::string>()));
      }
    }
    if (count_ > before) return std::nullopt;
    if (e.dim.kind == D::choice ? values(t, e.dim) : bounds(t, e.dim)) {
      if (!points(t, e.dim)) return std::nullopt;
    } else {
      return std::nullopt;
    }
    if (const auto w = t.find("when"); w != t.end()) e.when = &*w;
    return e;
  }

  bool values(const json& t, SearchDim& dim) {
    const auto v = t.find("values");
    const std::string at = field(dim.loc_key, "values");
    if (v == t.end() || !v->is_array() || v->empty()) {
      error(v == t.end() ? dim.loc_key : at, fmt::format("expected values = [a non-empty list], got {}", v == t.end() ? "none" : v->dump()));
      return false;
    }
    for (std::size_t i = 0; i < v->size(); ++i) {
      if ((*v)[i].is_object()) {
        error(fmt::format("{}[{}]", at, i), "a choice is a value (string, number, boolean or list), not a table");
        return false;
      }
    }
    if (!check_distinct(*v, at, error_)) return false;
    dim.values.assign(v->begin(), v->end());
    return true;
  }

  // A bound or step: a finite number (int: an integer within 2^53).
  std::optional<double> number(const json& t, const SearchDim& dim, const char* name, bool required) {
    const auto v = t.find(name);
    if (v == t.end()) {
      if (required) error(dim.loc_key, fmt::format("missing {}: distribution '{}' needs low and high", name, enum_name(dim.kind)));
      return std::nullopt;
    }
    const bool integer = dim.kind == D::integer;
    if (integer ? !v->is_number_integer() : !v->is_number()) {
      error(field(dim.loc_key, name), fmt::format("expected {}, got {}", integer ? "an integer" : "a number", v->dump()));
      return std::nullopt;
    }
    const double x = v->get<double>();
    if (!std::isfinite(x) || (integer && std::fabs(x) > kMaxExactInteger)) {
      error(field(dim.loc_key, name), fmt::format("{} is out of range", v->dump()));
      return std::nullopt;
    }
    return x;
  }

  bool bounds(const json& t, SearchDim& dim) {
    const std::size_t before = count_;
    const auto low = number(t, dim, "low", true), high = number(t, dim, "high", true);
    const auto step = number(t, dim, "step", false);
    const auto log = t.find("log");
    if (log != t.end() && !log->is_boolean()) error(field(dim.loc_key, "log"), "expected true or false, got " + log->dump());
    if (count_ > before || !low || !high) return false;
    dim.low = *low;
    dim.high = *high;
    dim.log = log != t.end() && log->is_boolean() && log->get<bool>();
    if (dim.low >= dim.high) {
      error(field(dim.loc_key, "high"), fmt::format("{} is not above low ({})", number_text(dim.high), number_text(dim.low)));
      return false;
    }
    if (!std::isfinite(dim.high - dim.low)) {
      error(field(dim.loc_key, "high"), "high − low is not a finite number");
      return false;
    }
    if (dim.kind == D::loguniform && !(dim.low > 0)) {
      error(field(dim.loc_key, "low"), fmt::format("{} is not above 0 (loguniform samples log x)", number_text(dim.low)));
      return false;
    }
    if (dim.log && dim.low < 1) {
      error(field(dim.loc_key, "low"), fmt::format("{} is not 1 or more (a log-scaled int samples log k)", number_text(dim.low)));
      return false;
    }
    dim.step = dim.kind == D::integer ? 1 : 0;
    if (step) return stepped(dim, *step);
    return true;
  }

  bool stepped(SearchDim& dim, double step) {
    const std::string at = field(dim.loc_key, "step");
    if (!(step > 0)) {
      error(at, fmt::format("{} is not above 0", number_text(step)));
      return false;
    }
    if (dim.log && step != 1) {
      error(at, "a log-scaled int takes every integer: leave out step, or set log = false");
      return false;
    }
    const double steps = (dim.high - dim.low) / step;
    if (steps > kMaxExactInteger) {
      error(at, fmt::format("{} is too small: more than 2^53 steps from low to high", number_text(step)));
      return false;
    }
    if (std::fabs(steps - std::round(steps)) > 1e-9 * std::max(1.0, steps)) {
      error(at, fmt::format("high − low ({}) is not a multiple of step ({})", number_text(dim.high - dim.low), number_text(step)));
      return false;
    }
    dim.step = step;
    return true;
  }

  bool points(const json& t, SearchDim& dim) {
    const auto p = t.find("points");
    if (p == t.end()) return true;
    const std::string at = field(dim.loc_key, "points");
    if (!read_integer(*p, "sweep.search.*.points", at, sink())) return false;
    if (dim.step > 0) {
      error(at, "a stepped uniform's grid is its steps: leave out points, or step");
      return false;
    }
    dim.points = p->get<std::size_t>();
    return true;
  }

  // `when = { "other.key" = value or [values], … }`: each names an unconditional choice or int key of the search.
  void link_conditions(const json& when, std::vector<SearchDim>& dims, const std::vector<bool>& conditional, std::size_t self) {
    const std::string at = field(dims[self].loc_key, "when");
    if (!when.is_object() || when.empty()) {
      error(at, "expected a table { \"searched.key\" = value or [values], … }, got " + when.dump());
      return;
    }
    std::vector<std::pair<std::string, const json*>> flat;
    flatten(when, "", flat);
    std::vector<std::string> keys;
    for (const auto& d : dims) keys.push_back(d.key);
    for (const auto& [key, values] : flat) {
      const std::string here = child_key(at, key);
      const auto it = std::find(keys.begin(), keys.end(), key);
      if (it == keys.end()) {
        error(here, fmt::format("'{}' is not a key of [sweep.search]{}; a condition names a searched choice or int key", key, did_you_mean(key, keys)));
        continue;
      }
      const std::size_t other = static_cast<std::size_t>(it - keys.begin());
      if (other == self) {
        error(here, "a key's condition cannot name the key itself");
        continue;
      }
      const SearchDim& named = dims[other];
      if (named.kind != D::choice && named.kind != D::integer) {
        error(here, fmt::format("'{}' is {}: a condition names a choice or int key", key, enum_name(named.kind)));
        continue;
      }
      if (conditional[other]) {
        error(here, fmt::format("'{}' has a condition of its own: a condition names an unconditional key", key));
        continue;
      }
      Condition c{other, {}};
      const json list = values->is_array() ? *values : json::array({*values});
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (!takes(named, list[i])) {
          error(values->is_array() ? fmt::format("{}[{}]", here, i) : here,
                fmt::format("{} is not a value '{}' takes ({})", list[i].dump(), key, value_range(named)));
        } else {
          c.values.push_back(list[i]);
        }
      }
      if (list.empty()) error(here, "expected a value or a non-empty list of values");
      dims[self].when.push_back(std::move(c));
    }
  }

  static void flatten(const json& table, const std::string& prefix, std::vector<std::pair<std::string, const json*>>& out) {
    for (auto it = table.begin(); it != table.end(); ++it) {
      const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
      if (it->is_object()) {
        flatten(*it, key, out);
      } else {
        out.emplace_back(key, &*it);
      }
    }
  }

  static std::string value_range(const SearchDim& dim) {
    if (dim.kind == D::integer) {
      return fmt::format("integers from {} to {}{}", number_text(dim.low), number_text(dim.high),
                         dim.step != 1 ? " by " + number_text(dim.step) : "");
    }
    std::vector<std::string> shown;
    for (const auto& v : dim.values) shown.push_back(v.dump());
    return "one of " + join(shown);
  }

  static bool takes(const SearchDim& dim, const json& v) {
    if (dim.kind == D::choice) return std::find(dim.values.begin(), dim.values.end(), v) != dim.values.end();
    if (!v.is_number_integer()) return false;
    const double x = v.get<double>();
    return x >= dim.low && x <= dim.high && std::fmod(x - dim.low, dim.step) == 0;
  }

  void settings(const json& sweep, SearchSpec& spec) {
    if (const auto s = sweep.find("sampler"); s != sweep.end()) {
      const auto sampler = read_choice<Sampler>(*s, "sweep.sampler", sink());
      if (!sampler) return;
      spec.sampler = *sampler;
    }
    const auto trials = sweep.find("trials");
    if (spec.sampler == Sampler::grid) {
      if (trials != sweep.end()) {
        error("sweep.trials", "sampler = \"grid\" takes every combination of the grid; trials applies to random and sobol");
      }
      for (const auto& d : spec.dims) {
        if (!d.discrete() && d.points == 0) {
          error(d.loc_key, "sampler = \"grid\" needs points = K (K values from low to high) for a continuous key");
        }
      }
    } else if (trials == sweep.end()) {
      error("sweep.trials", fmt::format("missing: sampler '{}' draws this many configurations from [sweep.search]",
                                        enum_name(spec.sampler)));
    } else if (auto n = integer(*trials, "sweep.trials", std::min<double>(max_trials_, find_key_spec("sweep.trials")->max))) {
      spec.trials = static_cast<std::size_t>(*n);
    }
    if (spec.sampler == Sampler::sobol && spec.dims.size() > kSobolMaxDimensions) {
      error("sweep.sampler", fmt::format("sobol samples at most {} keys, [sweep.search] has {}: use sampler = \"random\"",
                                         kSobolMaxDimensions, spec.dims.size()));
    }
    spec.seed = default_seed();
    if (const auto s = sweep.find("search_seed"); s != sweep.end()) {
      if (auto n = integer(*s, "sweep.search_seed", find_key_spec("sweep.search_seed")->max)) spec.seed = static_cast<std::uint64_t>(*n);
    }
  }

  std::optional<std::int64_t> integer(const json& v, const std::string& key, double max) {
    return read_integer(v, key, key, sink(), max);
  }

  // This reader's error() as a sink, so that shared readers count their problems here.
  ErrorSink sink() {
    return [this](const std::string& key, std::string message) { error(key, std::move(message)); };
  }

  // experiment.seed as the spec writes it (before sweep.seeds), or its default.
  std::uint64_t default_seed() const {
    const auto e = doc_.tree.find("experiment");
    if (e != doc_.tree.end() && e->is_object()) {
      const auto s = e->find("seed");
      if (s != e->end() && s->is_number_integer() && s->get<std::int64_t>() >= 0) return s->get<std::uint64_t>();
    }
    return ExperimentOptions{}.seed;
  }
};

}  // namespace

bool check_distinct(const json& values, const std::string& loc_key, const ErrorSink& error) {
  bool ok = true;
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (values[i] == values[j]) {
        error(fmt::format("{}[{}]", loc_key, i), fmt::format("duplicate value {} (trials would repeat)", values[i].dump()));
        ok = false;
        break;
      }
    }
  }
  return ok;
}

std::size_t SearchDim::size() const {
  if (kind == D::choice) return values.size();
  return static_cast<std::size_t>(std::llround((high - low) / step)) + 1;
}

json SearchDim::at(double u) const {
  switch (kind) {
    case D::choice:
      return values[bin(u, values.size())];
    case D::integer:
      if (log) {  // P(k) ∝ log((k + 1) / k): uniform in log over [low, high + 1), floored
        const double x = std::floor(std::exp(std::log(low) + u * (std::log(high + 1) - std::log(low))));
        return static_cast<std::int64_t>(std::clamp(x, low, high));
      }
      return static_cast<std::int64_t>(low + static_cast<double>(bin(u, size())) * step);
    case D::uniform:
      if (step > 0) return clamp_rounded(low + static_cast<double>(bin(u, size())) * step, kSteppedDigits, low, high);
      return uniform_rounded(low + u * (high - low), low, high);
    case D::loguniform:
      return clamp_rounded(std::exp(std::log(low) + u * (std::log(high) - std::log(low))), kSampledDigits, low, high);
  }
  return nullptr;
}

std::vector<json> SearchDim::grid() const {
  std::vector<json> out;
  if (kind == D::choice) return values;
  if (discrete()) {
    const std::size_t n = size();
    for (std::size_t i = 0; i < n; ++i) {
      const double x = low + static_cast<double>(i) * step;
      if (kind == D::integer) out.emplace_back(static_cast<std::int64_t>(x));
      else out.emplace_back(clamp_rounded(x, kSteppedDigits, low, high));
    }
    return out;
  }
  for (std::size_t i = 0; i < points; ++i) {
    const double f = static_cast<double>(i) / static_cast<double>(points - 1);
    const double x = kind == D::loguniform ? std::exp(std::log(low) + f * (std::log(high) - std::log(low))) : low + f * (high - low);
    if (i == 0 || i + 1 == points) out.emplace_back(i == 0 ? low : high);
    else out.emplace_back(kind == D::loguniform ? clamp_rounded(x, kSampledDigits, low, high) : uniform_rounded(x, low, high));
  }
  return out;
}

std::vector<std::pair<json, std::string>> SearchDim::probes() const {
  std::vector<std::pair<json, std::string>> out;
  if (kind == D::choice) {
    for (std::size_t i = 0; i < values.size(); ++i) out.emplace_back(values[i], fmt::format("{}.values[{}]", loc_key, i));
  } else if (kind == D::integer) {
    out.emplace_back(static_cast<std::int64_t>(low), field(loc_key, "low"));
    out.emplace_back(static_cast<std::int64_t>(high), field(loc_key, "high"));
  } else {
    out.emplace_back(low, field(loc_key, "low"));
    out.emplace_back(high, field(loc_key, "high"));
  }
  return out;
}

std::optional<SearchSpec> read_search(const Document& doc, const nlohmann::json& sweep, std::size_t max_trials,
                                      const ErrorSink& error) {
  return Reader(doc, max_trials, error).read(sweep);
}

}  // namespace mtlab::spec::detail
