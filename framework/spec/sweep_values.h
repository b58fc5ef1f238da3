#pragma once
// Reading the scalar settings of [sweep]'s tables (sweep.trials, sweep.search.*.points,
// sweep.sampler, sweep.prune.*): an integer within its schema row's range, or one
// name of an option enum — each problem reported at its key with the same words.
// Private to mtlab_spec.
#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mtlab/core/suggest.h"
#include "mtlab/options/enum_names.h"

namespace mtlab::spec::detail {

// Reports a problem at a Document key.
using ErrorSink = std::function<void(const std::string& loc_key, std::string message)>;

// `v` as an integer in [min, max] of the schema row `schema_key` (`max` overrides its
// upper bound); otherwise reported at `at` and nullopt.
std::optional<std::int64_t> read_integer(const nlohmann::json& v, std::string_view schema_key, const std::string& at,
                                         const ErrorSink& error, std::optional<double> max = std::nullopt);

// `v` as one of E's names; otherwise reported at `at` (with the closest name) and nullopt.
template <class E>
std::optional<E> read_choice(const nlohmann::json& v, const std::string& at, const ErrorSink& error) {
  if (v.is_string()) {
    if (auto e = enum_from_name<E>(v.get<std::string>())) return e;
  }
  const auto names = enum_names<E>();
  error(at, fmt::format("expected one of {}, got {}{}", join(names), v.dump(),
                        v.is_string() ? did_you_mean(v.get<std::string>(), names) : ""));
  return std::nullopt;
}

}  // namespace mtlab::spec::detail
