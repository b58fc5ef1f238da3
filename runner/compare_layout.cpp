#include "compare_layout.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "mtlab/core/error.h"

namespace mtlab::cli {
namespace {

struct Column {
  std::string name;    // full: the header of --wide, CSV and JSON
  std::string header;  // short: what a fitted table shows
  std::size_t source;  // index in the full comparison table
  bool required;       // the best mark, the chosen metric and the swept keys always show
};

std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string last_part(const std::string& key) { return key.substr(key.rfind('.') + 1); }

// "intent.test.accuracy" → "intent.acc": the split is in the title line.
std::string short_metric(const std::string& label) {
  static const std::map<std::string, std::string> words{
      {"accuracy", "acc"}, {"token_accuracy", "tok_acc"}, {"sentence_accuracy", "sent_acc"},
      {"span_precision", "span_p"}, {"span_recall", "span_r"}, {"precision", "prec"}, {"recall", "rec"}};
  const auto first = label.find('.');
  const auto second = label.find('.', first + 1);
  const bool whole_model = second == std::string::npos;
  std::string task = whole_model ? "" : label.substr(0, first);
  std::string name = label.substr((whole_model ? first : second) + 1);
  if (const auto it = words.find(name); it != words.end()) name = it->second;
  return task.empty() ? name : task + "." + name;
}

// The columns in the order they are given room: best, chosen metric, swept keys, seeds, other metrics, trial.
std::vector<Column> ordered_columns(const storage::Comparison& c, const storage::Table& full) {
  const std::size_t swept = c.swept_keys.size();
  std::vector<Column> out{{"best", "*", 0, true}};
  std::set<std::string> short_keys;
  for (const auto& k : c.swept_keys) short_keys.insert(last_part(k));
  const bool keys_unique = short_keys.size() == swept;
  out.push_back({full.columns[3 + swept], "", 3 + swept, true});  // the chosen metric, with its arrow
  for (std::size_t i = 0; i < swept; ++i) {
    out.push_back({c.swept_keys[i], keys_unique ? last_part(c.swept_keys[i]) : c.swept_keys[i], 2 + i, true});
  }
  out.push_back({"seeds", "seeds", 2 + swept, false});
  for (std::size_t i = 4 + swept; i < full.columns.size(); ++i) out.push_back({full.columns[i], "", i, false});
  out.push_back({"trial", "trial", 1, false});
  for (auto& col : out) {
    if (col.header.empty()) {
      const auto arrow = col.name.find(" (");
      col.header = short_metric(col.name.substr(0, arrow)) + (arrow == std::string::npos ? "" : col.name.substr(arrow));
    }
  }
  return out;
}

std::size_t column_width(const storage::Table& full, const Column& col, bool full_names) {
  std::size_t w = display_width(full_names ? col.name : col.header);
  for (const auto& row : full.rows) w = std::max(w, display_width(storage::to_text(row[col.source], "NULL")));
  return w;
}

std::vector<Column> chosen_columns(const std::vector<Column>& all, const std::vector<std::string>& names) {
  std::vector<Column> out{all.front()};
  for (const auto& name : names) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const Column& c) {
      return c.name == name || c.header == name || c.name.substr(0, c.name.find(" (")) == name;
    });
    if (it == all.end()) {
      std::string known;
      for (const auto& c : all) known += (known.empty() ? "" : ", ") + c.header;
      throw Error("--columns: no column named '" + name + "' (columns: " + known + ")");
    }
    if (it != all.begin()) out.push_back(*it);
  }
  return out;
}

}  // namespace

std::size_t output_width(bool wide) {
  if (wide) return 0;
  if (const char* env = std::getenv("COLUMNS"); env && std::atoi(env) > 0) return static_cast<std::size_t>(std::atoi(env));
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 0;
}

LaidOutTable lay_out_comparison(const storage::Comparison& c, const std::vector<std::string>& labels,
                                const CompareLayout& layout) {
  const storage::Table full = storage::comparison_table(c, false, labels);
  const auto all = ordered_columns(c, full);
  const bool full_names = layout.width == 0 && layout.columns.empty();
  std::vector<Column> shown;
  LaidOutTable out;
  if (!layout.columns.empty()) {
    shown = chosen_columns(all, layout.columns);
  } else {
    std::size_t used = 0;
    for (const auto& col : all) {
      const std::size_t w = column_width(full, col, full_names) + (shown.empty() ? 0 : 2);
      if (col.required || layout.width == 0 || used + w <= layout.width) {
        shown.push_back(col);
        used += w;
      } else {
        out.left_out.push_back(col.header);
      }
    }
  }
  for (const auto& col : shown) out.table.columns.push_back(full_names ? col.name : col.header);
  for (const auto& row : full.rows) {
    std::vector<storage::Value> cells;
    for (const auto& col : shown) cells.push_back(row[col.source]);
    out.table.rows.push_back(std::move(cells));
  }
  return out;
}

std::string left_out_note(const LaidOutTable& laid_out) {
  const auto n = laid_out.left_out.size();
  if (n == 0) return "";
  std::string names;
  for (const auto& name : laid_out.left_out) names += (names.empty() ? "" : ", ") + name;
  return "(" + std::to_string(n) + " more column" + (n == 1 ? "" : "s") + " did not fit: " + names +
         "; --wide shows all, --columns picks)\n";
}

}  // namespace mtlab::cli
