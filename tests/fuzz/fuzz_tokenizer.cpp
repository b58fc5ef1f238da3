// The BERT tokenizer on arbitrary bytes. Input: byte 0 picks the options
// (lower case, strip accents, CJK split, basic tokenization, never_split,
// additional special tokens, a short max_input_chars_per_word), byte 1 the
// truncation/padding lengths, the rest is text; a 0x1F byte in it splits the
// text of a pair. Every entry point runs: tokenize, encode, encode_pair,
// encode_words, pad; their outputs are checked for consistency.
#include <algorithm>
#include <array>
#include <memory>

#include "fuzz_support.h"
#include "mtlab/core/error.h"
#include "mtlab/data/text_lines.h"
#include "mtlab/text/bert_tokenizer.h"

namespace mtlab::fuzz {
namespace {

// A small vocabulary in the usual shape: specials, then characters, their
// ## forms, and a few words and word pieces (accented and CJK ones included).
Vocab fuzz_vocab() {
  std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<extra>"};
  const std::string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  for (char c : chars) tokens.emplace_back(1, c);
  for (char c : chars) tokens.push_back("##" + std::string(1, c));
  for (const char* t : {"the", "un", "##aff", "##able", "hello", "world", "##ing", "é", "##é", "ö", "##ö", "ß",
                        "中", "国", "日", "本", "한", "##국", "α", "##β", "привет", "ﬁ", "Å", "[keep]"}) {
    tokens.emplace_back(t);
  }
  return Vocab(std::move(tokens));
}

void check_encoding(const Encoding& e, const BertTokenizer& tok, const EncodeOptions& options, bool padded) {
  MTLAB_FUZZ_CHECK(e.tokens.size() == e.input_ids.size());
  MTLAB_FUZZ_CHECK(e.token_type_ids.size() == e.input_ids.size());
  MTLAB_FUZZ_CHECK(e.attention_mask.size() == e.input_ids.size());
  MTLAB_FUZZ_CHECK(e.word_ids.size() == e.input_ids.size());
  const auto n = static_cast<std::int64_t>(e.size());
  if (options.max_length > 0 && !padded) MTLAB_FUZZ_CHECK(n <= std::max(options.max_length, options.pad_to));
  if (options.pad_to > 0) MTLAB_FUZZ_CHECK(n >= options.pad_to);
  for (std::size_t i = 0; i < e.size(); ++i) {
    MTLAB_FUZZ_CHECK(e.input_ids[i] >= 0 && e.input_ids[i] < static_cast<std::int64_t>(tok.vocab().size()));
    MTLAB_FUZZ_CHECK(e.attention_mask[i] == 0 || e.attention_mask[i] == 1);
    MTLAB_FUZZ_CHECK(e.word_ids[i] >= -1);
    MTLAB_FUZZ_CHECK(!e.tokens[i].empty());
    MTLAB_FUZZ_CHECK(find_invalid_utf8(e.tokens[i]) == std::string::npos);
  }
}

}  // namespace

int fuzz_tokenizer_one(const std::uint8_t* data, std::size_t size) {
  static const Vocab vocab = fuzz_vocab();
  const std::uint8_t flags = size > 0 ? data[0] : 0;
  const std::uint8_t lengths = size > 1 ? data[1] : 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + std::min<std::size_t>(size, 2),
                              size - std::min<std::size_t>(size, 2));

  // One tokenizer per options byte, built on first use (building one per input
  // would cost more than tokenizing it).
  static std::array<std::unique_ptr<const BertTokenizer>, 256> tokenizers;
  if (!tokenizers[flags]) {
    TokenizerOptions o;
    o.do_lower_case = flags & 1;
    if (flags & 2) o.strip_accents = (flags & 4) != 0;
    o.tokenize_chinese_chars = !(flags & 8);
    o.do_basic_tokenize = !(flags & 16);
    if (flags & 32) o.never_split = {"[keep]", "Hello", "中国"};
    if (flags & 64) o.additional_special_tokens = {"<extra>", "<e2>", "[UNK]"};
    if (flags & 128) o.max_input_chars_per_word = 3;
    tokenizers[flags] = std::make_unique<const BertTokenizer>(vocab, o);
  }
  const BertTokenizer& tok = *tokenizers[flags];

  EncodeOptions e;
  e.max_length = lengths & 0x0F;  // 0 = no truncation; 1 and 2 cannot hold the specials (an Error)
  e.pad_to = (lengths >> 4) & 0x0F;
  e.add_special_tokens = !(lengths & 0x80) || e.max_length == 0;

  const auto pieces = tok.tokenize(text);
  for (const auto& p : pieces) MTLAB_FUZZ_CHECK(!p.empty());

  std::vector<Encoding> batch;
  const std::size_t split = text.find('\x1f');
  try {
    batch.push_back(tok.encode(text, e));
    check_encoding(batch.back(), tok, e, false);
    if (split != std::string_view::npos) {
      batch.push_back(tok.encode_pair(text.substr(0, split), text.substr(split + 1), e));
      check_encoding(batch.back(), tok, e, false);
    }
  } catch (const Error&) {
    // max_length too short for the special tokens: refused; go on with the other entry points.
  }
  const std::vector<std::string> words = split_whitespace(text.substr(0, split));
  if (!words.empty()) {
    EncodeOptions plain;
    const Encoding w = tok.encode_words(words, plain);
    check_encoding(w, tok, plain, false);
    for (auto id : w.word_ids) MTLAB_FUZZ_CHECK(id < static_cast<std::int64_t>(words.size()));
    batch.push_back(w);
  }
  tok.pad(batch, e.pad_to);
  std::size_t longest = 0;
  for (const auto& enc : batch) longest = std::max(longest, enc.size());
  for (const auto& enc : batch) {
    MTLAB_FUZZ_CHECK(enc.size() == longest);
    check_encoding(enc, tok, EncodeOptions{}, true);
  }
  return 0;
}

}  // namespace mtlab::fuzz

MTLAB_FUZZ_TARGET(mtlab::fuzz::fuzz_tokenizer_one)
