#include "mtlab/data/jsonl_reader.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/options/data_formats.h"

namespace mtlab {

JsonlOptions jsonl_options(const Config& table) {
  JsonlOptions o;
  o.text_key = table.get_string("text_key", o.text_key);
  o.label_key = table.get_string("label_key", o.label_key);
  o.tokens_key = table.get_string("tokens_key", o.tokens_key);
  o.tags_key = table.get_string("tags_key", o.tags_key);
  o.scheme = parse_tag_scheme(data_string(table, "scheme", kDataDefaults.scheme), table.location("scheme"));
  o.encoding = parse_text_encoding(data_string(table, "encoding", kDataDefaults.encoding), table.location("encoding"));
  return o;
}

namespace {

std::vector<std::string> string_array(const nlohmann::json& v, const std::string& key, const std::string& where) {
  if (!v.is_array()) throw Error(fmt::format("{}: \"{}\" must be an array of strings, got {}", where, key, v.type_name()));
  std::vector<std::string> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      throw Error(fmt::format("{}: \"{}\"[{}] must be a string, got {}", where, key, i, v[i].type_name()));
    }
    std::string s = v[i].get<std::string>();
    if (trim(s).empty()) throw Error(fmt::format("{}: \"{}\"[{}] is empty", where, key, i));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::vector<Example> read_jsonl(const std::filesystem::path& file, const JsonlOptions& options) {
  const auto lines = read_text_lines(file, options.encoding);
  std::vector<Example> out;
  for (const auto& line : lines) {
    if (trim(line.text).empty()) continue;
    const std::string where = source_of(file, line.number);
    nlohmann::json obj;
    try {
      obj = nlohmann::json::parse(line.text);
    } catch (const nlohmann::json::exception& e) {
      // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 5: ...", or
      // "[json.exception.out_of_range.406] number overflow parsing '1e999'" for a number no double holds.
      std::string msg = e.what();
      if (const auto pos = msg.find("] "); pos != std::string::npos) msg = msg.substr(pos + 2);
      throw Error(fmt::format("{}: not valid JSON ({})", where, msg));
    }
    if (!obj.is_object()) throw Error(fmt::format("{}: expected a JSON object per line, got {}", where, obj.type_name()));

    Example ex;
    ex.source = where;
    const bool has_tokens = obj.contains(options.tokens_key);
    if (has_tokens) ex.words = string_array(obj[options.tokens_key], options.tokens_key, where);
    if (obj.contains(options.text_key)) {
      const auto& t = obj[options.text_key];
      if (!t.is_string()) throw Error(fmt::format("{}: \"{}\" must be a string, got {}", where, options.text_key, t.type_name()));
      ex.text = std::string(trim(t.get<std::string>()));
    } else if (has_tokens) {
      ex.text = fmt::format("{}", fmt::join(ex.words, " "));
    }
    if (!has_tokens && !obj.contains(options.text_key)) {
      throw Error(fmt::format("{}: expected \"{}\" (a string) or \"{}\" (an array of words)", where, options.text_key,
                              options.tokens_key));
    }
    if (ex.text.empty() && ex.words.empty()) throw Error(fmt::format("{}: empty sentence", where));
    if (has_tokens && ex.words.empty()) throw Error(fmt::format("{}: \"{}\" is empty", where, options.tokens_key));

    if (obj.contains(options.label_key)) {
      const auto& l = obj[options.label_key];
      if (l.is_string()) {
        ex.label = std::string(trim(l.get<std::string>()));
      } else if (l.is_number_integer()) {
        ex.label = std::to_string(l.get<std::int64_t>());
      } else if (l.is_boolean()) {
        ex.label = l.get<bool>() ? "true" : "false";
      } else {
        throw Error(fmt::format("{}: \"{}\" must be a string or an integer, got {}", where, options.label_key, l.type_name()));
      }
      if (ex.label->empty()) throw Error(fmt::format("{}: \"{}\" is empty", where, options.label_key));
    }
    if (obj.contains(options.tags_key)) {
      if (!has_tokens) {
        throw Error(fmt::format("{}: \"{}\" needs \"{}\" (tags are one per word)", where, options.tags_key, options.tokens_key));
      }
      ex.tags = string_array(obj[options.tags_key], options.tags_key, where);
      if (ex.tags.size() != ex.words.size()) {
        throw Error(fmt::format("{}: {} tags for {} tokens; expected one tag per token", where, ex.tags.size(), ex.words.size()));
      }
      check_tags(ex.tags, where);
      if (options.scheme == TagScheme::iob1) ex.tags = iob1_to_bio(ex.tags);
    }
    out.push_back(std::move(ex));
  }
  return out;
}

}  // namespace mtlab
