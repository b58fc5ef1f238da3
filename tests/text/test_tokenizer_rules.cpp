// One test per rule of Hugging Face's BertTokenizer (fixtures/tiny-bert/README.md,
// "The tokenizer HF runs"). Expected outputs were checked against a Python 3.11
// (Unicode 14) re-implementation of transformers 4.33's code that reproduces
// every case of reference.json.
#include <catch2/catch.hpp>

#include "mtlab/core/error.h"
#include "tokenizer_test_util.h"

using namespace mtlab;
using namespace mtlab::test;

TEST_CASE("Cleaning drops NUL, U+FFFD and control/format characters but keeps the text around them",
          "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  // NUL, BEL, ZWSP, soft hyphen, NEL, Mongolian vowel separator (Cf), ESC, ZWJ, BOM: all removed, none splits.
  const std::string text = utf8(std::u32string(U"a") + U'\0' + U"b\x07" U"c\u200b" U"d\xad" U"e\x85" U"f\u180e" U"g\x1b"
                                U"h\u200d" U"i\ufeff" U"j");
  CHECK(t.tokenize(text) == Tokens{"abc", "##de", "##f", "##ghi", "##j"});
  CHECK(t.tokenize(utf8(U"x\ufffdy end\ufffd")) == Tokens{"x", "##y", "end"});
  // A private-use character is category Co: dropped too.
  CHECK(t.tokenize(utf8(U"do\ue000g")) == Tokens{"dog"});
}

TEST_CASE("Tabs, newlines and every Zs space separate words", "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  CHECK(t.tokenize("tab\there\nnew\rline") == Tokens{"tab", "here", "new", "line"});
  // NBSP, ideographic space U+3000, thin space U+2009, ogham space mark U+1680.
  CHECK(t.tokenize(utf8(U"hello\u00a0world\u3000again\u2009end\u1680ogham")) ==
        Tokens{"hello", "world", "again", "end", "og", "##ham"});
  // U+2028 and U+2029 are not Zs and survive cleaning, but str.split() still splits on them.
  CHECK(t.tokenize(utf8(U"one\u2028two\u2029three")) == Tokens{"one", "two", "three"});
}

TEST_CASE("CJK ideographs become words of their own, kana, hangul and fullwidth forms do not",
          "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  CHECK(t.tokenize(utf8(U"中文abc字カタカナ한국ＡＢＣ")) == Tokens{"中", "文", "abc", "[UNK]", "[UNK]"});
  TokenizerOptions no_cjk;
  no_cjk.tokenize_chinese_chars = false;
  const auto plain = vocab_tokenizer("bert-base-uncased-vocab.txt", no_cjk);
  CHECK(plain.tokenize(utf8(U"中文abc字")) == Tokens{"[UNK]"});
}

TEST_CASE("NFC runs on the cleaned text: compatibility ideographs, Ohm and Angstrom signs, e + U+0301",
          "[tokenizer][rules]") {
  // U+F900 and U+2F800 are CJK compatibility ideographs: spaced, then NFC maps them to U+8C48 and U+4E3D.
  const auto t = small_tokenizer({"\xe8\xb1\x88" /* U+8C48 */, "\xe4\xb8\xbd" /* U+4E3D */, "x"});
  CHECK(t.tokenize(utf8(U"x\uf900x\U0002f800")) == Tokens{"x", utf8(U"\u8c48"), "x", utf8(U"\u4e3d")});
  const auto& u = uncased_tokenizer();
  CHECK(u.tokenize(utf8(U"\u03a9 \u2126 \u212b \u00c5")) == Tokens{utf8(U"ω"), utf8(U"ω"), "a", "a"});
  // The cased vocabulary keeps accents, so NFC's composition is visible.
  CHECK(cased_tokenizer().tokenize(utf8(U"e\u0301clair")) == Tokens{utf8(U"é"), "##c", "##lair"});
  CHECK(cased_tokenizer().tokenize(utf8(U"\u2126")) == Tokens{utf8(U"Ω")});
}

TEST_CASE("Lowercasing strips accents through NFD and drops only Mn marks", "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  CHECK(t.tokenize(utf8(U"Crème Brûlée e\u0301")) == Tokens{"cr", "##eme", "br", "##ule", "##e", "e"});
  CHECK(t.tokenize(utf8(U"caf\u00e9 cafe\u0301")) == Tokens{"cafe", "cafe"});
  // A word of marks alone strips to nothing and disappears.
  CHECK(t.tokenize(utf8(U"\u0301\u0301 solo")) == Tokens{"solo"});
  // Devanagari: the virama U+094D and vowel sign U+0941 are Mn (dropped); U+093F, U+0940, U+093E are Mc (kept).
  CHECK(t.tokenize(utf8(U"हिन्दी कुमार")) ==
        Tokens{utf8(U"ह"), utf8(U"##\u093f"), utf8(U"##न"), utf8(U"##द"), utf8(U"##\u0940"), utf8(U"क"), utf8(U"##म"),
               utf8(U"##\u093e"), utf8(U"##र")});
}

TEST_CASE("Lowercasing is per code point: capital sigma is always σ, İ becomes i + U+0307", "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  // Python's word-level str.lower() would end the word with ς; the per-character pass first gives σ.
  CHECK(t.tokenize(utf8(U"ΟΔΥΣΣΕΥΣ Σ")) == Tokens{utf8(U"ο"), utf8(U"##δ"), utf8(U"##υ"), utf8(U"##σ"), utf8(U"##σ"),
                                                  utf8(U"##ε"), utf8(U"##υ"), utf8(U"##σ"), utf8(U"σ")});
  // İ → i + combining dot above; the dot is Mn and goes with accent stripping.
  CHECK(t.tokenize(utf8(U"İstanbul")) == Tokens{"istanbul"});
  TokenizerOptions keep_accents;
  keep_accents.strip_accents = false;
  const auto k = small_tokenizer({"i", "##stanbul", utf8(U"##\u0307stanbul"), utf8(U"##è"), "cr", "##me"}, keep_accents);
  CHECK(k.tokenize(utf8(U"İstanbul")) == Tokens{"i", utf8(U"##\u0307stanbul")});
  CHECK(k.tokenize(utf8(U"CRÈME")) == Tokens{"cr", utf8(U"##è"), "##me"});
}

TEST_CASE("strip_accents follows Hugging Face's tri-state", "[tokenizer][rules]") {
  const std::initializer_list<std::string> vocab = {"hello", "h", utf8(U"##é"), "##llo", "H", "Hello", "naive",
                                                    utf8(U"naïve"), "##ello"};
  SECTION("unset follows do_lower_case") {
    CHECK(small_tokenizer(vocab).tokenize(utf8(U"Héllo naïve")) == Tokens{"hello", "naive"});
  }
  SECTION("false with lowercasing keeps accents") {
    TokenizerOptions o;
    o.strip_accents = false;
    CHECK(small_tokenizer(vocab, o).tokenize(utf8(U"Héllo naïve")) == Tokens{"h", utf8(U"##é"), "##llo", utf8(U"naïve")});
  }
  SECTION("true without lowercasing still strips") {
    TokenizerOptions o;
    o.do_lower_case = false;
    o.strip_accents = true;
    CHECK(small_tokenizer(vocab, o).tokenize(utf8(U"Héllo naïve")) == Tokens{"Hello", "naive"});
    const auto c = vocab_tokenizer("bert-base-cased-vocab.txt", o);
    CHECK(c.tokenize(utf8(U"Héllo Crème naïve")) == Tokens{"Hello", "C", "##rem", "##e", "naive"});
  }
  SECTION("unset without lowercasing keeps accents and case") {
    TokenizerOptions o;
    o.do_lower_case = false;
    CHECK(small_tokenizer(vocab, o).tokenize(utf8(U"Héllo")) == Tokens{"H", utf8(U"##é"), "##llo"});
  }
}

TEST_CASE("Punctuation is ASCII 33-47, 58-64, 91-96, 123-126 and every Unicode P* character", "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  // $ + < = > ^ ` | ~ are symbols (S*) in Unicode but punctuation to BERT.
  CHECK(t.tokenize("a$b+c<d=e>f^g`h|i~j") ==
        Tokens{"a", "$", "b", "+", "c", "<", "d", "=", "e", ">", "f", "^", "g", "`", "h", "|", "i", "~", "j"});
  CHECK(t.tokenize(utf8(U"¿qué? ¡sí! «x» a—b … 、。「」 a‽")) ==
        Tokens{utf8(U"¿"), "que", "?", utf8(U"¡"), "si", "!", utf8(U"«"), "x", utf8(U"»"), "a", utf8(U"—"), "b",
               utf8(U"…"), utf8(U"、"), utf8(U"。"), utf8(U"「"), utf8(U"」"), "a", "[UNK]"});
  // Non-ASCII symbols (Sc, So, Sm) are not punctuation and stay inside words.
  CHECK(t.tokenize(utf8(U"5€ 10° ©2020 1×2 ±3")) ==
        Tokens{"5", utf8(U"##€"), "10", utf8(U"##°"), utf8(U"©"), "##20", "##20", "1", utf8(U"##×"), "##2", utf8(U"±"),
               "##3"});
  CHECK(t.tokenize("don't stop-believing") == Tokens{"don", "'", "t", "stop", "-", "believing"});
}

TEST_CASE("Special tokens are cut from raw text, case-sensitively, even when glued", "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  CHECK(t.tokenize("x[SEP]y [CLS][SEP] [MASK]ed") == Tokens{"x", "[SEP]", "y", "[CLS]", "[SEP]", "[MASK]", "ed"});
  CHECK(t.tokenize("[cls] [unused0] [Sep] [ SEP ]") ==
        Tokens{"[", "cl", "##s", "]", "[", "unused", "##0", "]", "[", "sep", "]", "[", "sep", "]"});
  CHECK(cased_tokenizer().tokenize("x[SEP]y [cls]") == Tokens{"x", "[SEP]", "y", "[", "c", "##ls", "]"});
  const auto e = t.encode("a[SEP]b");
  CHECK(e.input_ids == std::vector<std::int64_t>{101, 1037, 102, 1038, 102});
  SECTION("additional special tokens are matched after lowercasing, as in HF") {
    TokenizerOptions o;
    o.additional_special_tokens = {"<ent>"};
    const auto s = small_tokenizer({"a", "b"}, o);
    CHECK(s.tokenize("a<ENT>b") == Tokens{"a", "<ent>", "b"});
    CHECK(s.encode("a<ent>b", {.add_special_tokens = false}).input_ids == std::vector<std::int64_t>{5, 1, 6});
  }
}

TEST_CASE("never_split words are kept whole, with lowercasing only lower-case entries can match",
          "[tokenizer][rules]") {
  TokenizerOptions o;
  o.never_split = {"[FOO]", "hello-world", "don't"};
  const auto u = vocab_tokenizer("bert-base-uncased-vocab.txt", o);
  CHECK(u.tokenize("[FOO] hello-world Hello-World don't") == Tokens{"[", "foo", "]", "hello-world", "hello-world", "don't"});
  // Not in the vocabulary: kept as the token, with [UNK]'s id.
  CHECK(u.encode("hello-world", {.add_special_tokens = false}).input_ids == std::vector<std::int64_t>{100});
  o.do_lower_case = false;
  const auto c = vocab_tokenizer("bert-base-cased-vocab.txt", o);
  CHECK(c.tokenize("[FOO] hello-world Hello-World x[FOO]") ==
        Tokens{"[FOO]", "hello-world", "Hello", "-", "World", "x", "[", "F", "##O", "##O", "]"});
}

TEST_CASE("WordPiece is greedy longest-match-first with ## continuations", "[tokenizer][rules]") {
  const auto t = small_tokenizer({"un", "unaff", "##aff", "##able", "##a", "##ble", "able"});
  CHECK(t.tokenize("unaffable") == Tokens{"unaff", "##able"});
  CHECK(t.tokenize("able") == Tokens{"able"});
  // "un" then nothing matches "x...": the whole word is [UNK], not a partial match.
  CHECK(t.tokenize("unx able") == Tokens{"[UNK]", "able"});
  CHECK(uncased_tokenizer().tokenize("unaffable tokenization") ==
        Tokens{"una", "##ffa", "##ble", "token", "##ization"});
}

TEST_CASE("Words over max_input_chars_per_word code points become [UNK]", "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  const auto hundred = t.tokenize(std::string(100, 'a'));
  CHECK(hundred.size() == 50);
  CHECK(hundred.front() == "aaa");
  CHECK(t.tokenize(std::string(101, 'a')) == Tokens{"[UNK]"});
  // Counted in code points after accent stripping: 60 × (e + U+0301) is 60 letters.
  std::u32string marked;
  for (int i = 0; i < 60; ++i) marked += U"e\u0301";
  CHECK(t.tokenize(utf8(marked)).size() == 30);
  // 101 precomposed é are 101 code points (202 bytes).
  CHECK(t.tokenize(utf8(std::u32string(101, U'é'))) == Tokens{"[UNK]"});
  TokenizerOptions o;
  o.max_input_chars_per_word = 3;
  const auto s = small_tokenizer({"abc", "abcd", "##d"}, o);
  CHECK(s.tokenize("abc abcd") == Tokens{"abc", "[UNK]"});
}

TEST_CASE("Code points assigned after Unicode 14 count as unassigned, as in HF's Python 3.11", "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  // U+1FAE8 (shaking face, Unicode 15) is Cn to Python 3.11 and cleaned away; U+1FAE7 (Unicode 14) is So.
  CHECK(t.tokenize(utf8(U"I am \U0001fae8 shaking")) == Tokens{"i", "am", "shaking"});
  CHECK(t.tokenize(utf8(U"I am \U0001fae7 bubbling")) == Tokens{"i", "am", "[UNK]", "bubbling"});
  // CJK Extension H (U+31350..) is unassigned in Unicode 14; U+2B739 lies in an HF CJK range but is new in 15.
  CHECK(t.tokenize(utf8(U"a\U00031350b \U0002b739")) == Tokens{"ab"});
}

TEST_CASE("do_basic_tokenize=false runs WordPiece on whitespace-split text", "[tokenizer][rules]") {
  TokenizerOptions o;
  o.do_basic_tokenize = false;
  const auto t = vocab_tokenizer("bert-base-uncased-vocab.txt", o);
  CHECK(t.tokenize(utf8(U"Hello, World! crème\u00a0x\u2028y")) == Tokens{"hello", "##,", "world", "##!", "[UNK]", "x", "y"});
}

TEST_CASE("Invalid UTF-8 is an error giving the byte offset", "[tokenizer][rules]") {
  const auto& t = uncased_tokenizer();
  const std::pair<std::string, std::string> bad[] = {
      {"ok \xff", "byte 3 (0xFF)"},           // never valid
      {"ab\x80", "byte 2 (0x80)"},            // stray continuation
      {"abc\xc3", "byte 3 (0xC3)"},           // cut off
      {"a\xc0\xaf", "byte 1 (0xC0)"},         // overlong "/"
      {"\xe0\x80\xaf", "byte 0 (0xE0)"},      // overlong
      {"xx\xed\xa0\x80", "byte 2 (0xED)"},    // surrogate U+D800
      {"\xf4\x90\x80\x80", "byte 0 (0xF4)"},  // above U+10FFFF
      {"\xe2\x82x", "byte 0 (0xE2)"},         // bad continuation
  };
  for (const auto& [text, where] : bad) {
    INFO(where);
    CHECK_THROWS_WITH(t.tokenize(text), Catch::Matchers::Contains("invalid UTF-8 at " + where));
    CHECK_THROWS_AS(t.encode(text), Error);
  }
  CHECK_THROWS_AS(t.encode_pair("fine", "bad \xff"), Error);
  CHECK_THROWS_WITH(t.encode_words({"fine", "b\xff" "ad"}), Catch::Matchers::Contains("word 1"));
}
