#include "sweep_values.h"

#include "mtlab/spec/schema.h"

namespace mtlab::spec::detail {

std::optional<std::int64_t> read_integer(const nlohmann::json& v, std::string_view schema_key, const std::string& at,
                                         const ErrorSink& error, std::optional<double> max) {
  const KeySpec* spec = find_key_spec(schema_key);
  const double high = max ? *max : spec->max;
  if (!v.is_number_integer() || v.get<double>() < spec->min || v.get<double>() > high) {
    error(at, fmt::format("expected an integer in [{}, {}], got {}", spec->min, high, v.dump()));
    return std::nullopt;
  }
  return v.get<std::int64_t>();
}

}  // namespace mtlab::spec::detail
