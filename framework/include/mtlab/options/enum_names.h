#pragma once
// The spelling of an option enum in a spec: one array of names per enum, in
// enum order, so that the schema's choices, the parser and messages agree.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab {

// Specialised next to each enum: `static constexpr std::array<std::string_view, N> values`.
template <class E>
struct EnumNames;

template <class E>
constexpr std::string_view enum_name(E value) {
  return EnumNames<E>::values[static_cast<std::size_t>(value)];
}

template <class E>
std::optional<E> enum_from_name(std::string_view name) {
  const auto& v = EnumNames<E>::values;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

// Every name, as the schema's choices (views of static text).
template <class E>
std::vector<std::string_view> enum_choices() {
  return {EnumNames<E>::values.begin(), EnumNames<E>::values.end()};
}

template <class E>
std::vector<std::string> enum_names() {
  return {EnumNames<E>::values.begin(), EnumNames<E>::values.end()};
}

}  // namespace mtlab
