#include "mtlab/text/tokenizer.h"

#include <algorithm>

namespace mtlab {

void Tokenizer::pad(std::vector<Encoding>& batch, std::int64_t length) const {
  std::size_t target = length > 0 ? static_cast<std::size_t>(length) : 0;
  for (const auto& e : batch) target = std::max(target, e.size());
  const std::string token = pad_token();
  const std::int64_t id = pad_id();
  for (auto& e : batch) {
    const std::size_t n = target - e.size();
    e.tokens.insert(e.tokens.end(), n, token);
    e.input_ids.insert(e.input_ids.end(), n, id);
    e.token_type_ids.insert(e.token_type_ids.end(), n, 0);
    e.attention_mask.insert(e.attention_mask.end(), n, 0);
    e.word_ids.insert(e.word_ids.end(), n, -1);
  }
}

}  // namespace mtlab
