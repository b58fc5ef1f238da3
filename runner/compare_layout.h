#pragma once
// `mtlab compare`'s table in a terminal: the best mark, the chosen metric and
// the swept keys first, then seeds, the other metrics and the trial name while
// they fit the width, with short headers (the split is in the title line);
// `--columns` picks the columns, `--wide` shows all with their full names.
// CSV and JSON are not laid out: they keep every column (storage::comparison_table).
#include <cstddef>
#include <string>
#include <vector>

#include "mtlab/storage/compare.h"

namespace mtlab::cli {

// The width to fit: 0 (no limit) with `wide`; else $COLUMNS when set, the
// terminal's width when stdout is one, and no limit otherwise (a pipe or a
// file gets every column, as `git` and `kubectl` do).
std::size_t output_width(bool wide);

struct CompareLayout {
  std::size_t width = 0;              // 0: every column, full headers
  std::vector<std::string> columns;   // chosen by name (header or full name); empty: fit
};

struct LaidOutTable {
  storage::Table table;
  std::vector<std::string> left_out;  // headers of the columns that did not fit (what --columns takes)
};

// `labels`: the metrics to consider (the chosen one first). Throws listing the
// names when `columns` names one that is not there.
LaidOutTable lay_out_comparison(const storage::Comparison& comparison, const std::vector<std::string>& labels,
                                const CompareLayout& layout);

// The closing note when columns were left out: "(3 more columns: …; --wide or --columns)".
std::string left_out_note(const LaidOutTable& laid_out);

}  // namespace mtlab::cli
