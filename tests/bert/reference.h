#pragma once
// The Hugging Face reference outputs of the tiny-bert fixtures as tensors.
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "test_paths.h"

namespace mtlab::test {

inline const nlohmann::json& load_reference(const std::string& fixture) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(fixture);
  if (it == cache.end()) {
    std::ifstream in(fixtures_dir() / fixture / "reference.json");
    it = cache.emplace(fixture, nlohmann::json::parse(in)).first;
  }
  return it->second;
}

// Nested JSON arrays of numbers → a float32 (or int64) tensor.
inline torch::Tensor to_tensor(const nlohmann::json& j, torch::ScalarType type = torch::kFloat) {
  std::vector<std::int64_t> shape;
  const nlohmann::json* p = &j;
  while (p->is_array()) {
    shape.push_back(static_cast<std::int64_t>(p->size()));
    if (p->empty()) break;
    p = &(*p)[0];
  }
  std::vector<double> flat;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& x) {
    if (x.is_array()) {
      for (const auto& y : x) walk(y);
    } else {
      flat.push_back(x.get<double>());
    }
  };
  walk(j);
  // Parse as double, cast to float: the exact float32 the reference wrote.
  return torch::tensor(flat, torch::kDouble).to(torch::kFloat).to(type).reshape(shape);
}

inline torch::Tensor ids_row(const nlohmann::json& j) { return to_tensor(j, torch::kLong).unsqueeze(0); }

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat) - b.to(torch::kFloat)).abs().max().item<double>();
}

}  // namespace mtlab::test
