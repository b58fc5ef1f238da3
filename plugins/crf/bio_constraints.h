#pragma once
// Which starts and transitions keep a BIO tag sequence well formed, private to the crf plugin.
#include <string>
#include <vector>

namespace mtlab::crf {

struct Allowed {
  std::vector<bool> start;                   // [C]: may a sequence start with this label?
  std::vector<std::vector<bool>> transition;  // [C][C]: may `to` follow `from`?
};

// BIO (IOB2): I-x only continues B-x or I-x of the same type, so it never starts
// a sequence nor follows O or another type; everything else is allowed (an I-x
// may end a sequence). Throws mtlab::Error at `where` when a label is not O,
// B-TYPE or I-TYPE, or when no label may start a sequence.
Allowed bio_allowed(const std::vector<std::string>& labels, const std::string& where);

}  // namespace mtlab::crf
