#include "report_page.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "mtlab/core/error.h"
#include "mtlab/report_assets.h"

namespace mtlab::cli {
namespace {

// The template's slots, in the order they appear in report.html.
struct Slot {
  std::string_view marker;
  std::string_view text;
};

bool contains_closing_script(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("</script") != std::string::npos || lower.find("<!--") != std::string::npos;
}

}  // namespace

std::string script_safe_json(const nlohmann::json& value) {
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 64);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' && (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
      out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string report_page(const nlohmann::json& model) {
  namespace assets = mtlab::report_assets;
  // The scripts are our own files; a closing tag inside one would end it early.
  for (const auto script : {assets::uplot_js, assets::page_js}) {
    if (contains_closing_script(script)) throw Error("internal: an embedded report script contains </script or <!--");
  }
  const std::string data = script_safe_json(model);
  const Slot slots[] = {{"/*@uplot-css@*/", assets::uplot_css}, {"/*@page-css@*/", assets::page_css},
                        {"/*@uplot-js@*/", assets::uplot_js},   {"@data@", data},
                        {"/*@page-js@*/", assets::page_js}};
  // One pass, each marker once and in order, so nothing inserted is scanned again.
  const std::string_view html = assets::page_html;
  std::string out;
  out.reserve(html.size() + data.size() + assets::uplot_js.size() + assets::page_js.size() + 4096);
  std::size_t at = 0;
  for (const auto& slot : slots) {
    const auto found = html.find(slot.marker, at);
    if (found == std::string_view::npos) throw Error("internal: report.html lacks the slot " + std::string(slot.marker));
    out.append(html.substr(at, found - at)).append(slot.text);
    at = found + slot.marker.size();
  }
  out.append(html.substr(at));
  return out;
}

}  // namespace mtlab::cli
