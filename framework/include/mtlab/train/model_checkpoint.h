#pragma once
// A trained multi-task model on disk: the backbone as a Hugging Face folder
// (config.json, model.safetensors, vocab.txt, tokenizer_config.json — loads in
// `transformers` unchanged; with a masked-LM head, as the family's masked-LM
// model: BertForMaskedLM) plus heads.safetensors (every head's tensors under
// "<task>.") and heads.json (each task's head plugin, its options, loss, level
// and label set), so `mtlab predict` and transfer runs can rebuild it.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mtlab {

class MultiTaskModel;

// Writes the folder (files atomically); returns the files written.
std::vector<std::filesystem::path> save_model_folder(MultiTaskModel& model, const nlohmann::json& manifest,
                                                     const std::filesystem::path& folder);

// Reads heads.json of a saved model folder (throws naming the file when absent or malformed).
nlohmann::json read_model_manifest(const std::filesystem::path& folder);

// Copies heads.safetensors into the model's heads (which must already be built
// with the right label counts); every tensor must be present with its shape.
void load_head_weights(MultiTaskModel& model, const std::filesystem::path& folder,
                       const std::vector<std::string>& tasks);

}  // namespace mtlab
