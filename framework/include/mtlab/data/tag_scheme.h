#pragma once
// Word-level tag schemes. mtlab keeps tags in BIO (IOB2) internally: readers
// convert IOB1 input (where B- only marks an entity that directly follows
// another of the same type) to BIO as they read it.
#include <string>
#include <string_view>
#include <vector>

namespace mtlab {

enum class TagScheme { bio, iob1 };

// "bio" (also "iob2") | "iob1"; throws otherwise, naming `where`.
TagScheme parse_tag_scheme(std::string_view name, std::string_view where);
std::string_view to_string(TagScheme scheme);

// One tag split into its prefix ('B', 'I' or 'O') and entity type ("" for O).
struct ParsedTag {
  char prefix = 'O';
  std::string_view type;
};

// Parses "O", "B-TYPE" or "I-TYPE" (TYPE non-empty; it may itself contain '-'
// or '.'). Returns false for anything else.
bool parse_tag(std::string_view tag, ParsedTag& out);

// Throws mtlab::Error "<where>: tag N 'x' is not O, B-TYPE or I-TYPE" for the
// first malformed tag.
void check_tags(const std::vector<std::string>& tags, std::string_view where);

// IOB1 → BIO: an I-X that does not continue an entity of type X (sentence start,
// after O, or after another type) becomes B-X; B-X and O are kept.
std::vector<std::string> iob1_to_bio(const std::vector<std::string>& tags);

}  // namespace mtlab
