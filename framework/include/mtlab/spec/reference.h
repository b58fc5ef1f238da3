#pragma once
// The key reference of docs/spec.md, generated from the schema table so the
// docs and the validator cannot drift (a test compares the two).
#include <string>
#include <string_view>

namespace mtlab::spec {

// Markdown: one table per section (key, type, default, meaning).
std::string reference_markdown();

// docs/spec.md holds the generated text between these two lines.
inline constexpr std::string_view kReferenceBegin = "<!-- BEGIN GENERATED REFERENCE (mtlab validate --print-reference) -->";
inline constexpr std::string_view kReferenceEnd = "<!-- END GENERATED REFERENCE -->";

}  // namespace mtlab::spec
