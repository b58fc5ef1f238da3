#pragma once
// Opens a page in headless Chromium (Debian's `chromium`) and reads back what
// its script wrote into <pre id="render-report">: the report's own summary of
// what it drew. Used by the report tests and bench/report.
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "run_command.h"

namespace mtlab::test {

// MTLAB_CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH.
// Throws when none is installed: the browser tests fail rather than skip.
inline std::string chromium_executable() {
  if (const char* env = std::getenv("MTLAB_CHROMIUM"); env && *env) return env;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    const auto found = run_command(std::string("command -v ") + name);
    if (found.exit_code == 0) return found.output.substr(0, found.output.find('\n'));
  }
  throw std::runtime_error(
      "headless Chromium is not installed, and the report's browser tests need it: scripts/test.sh installs it "
      "(apt-get install chromium), or set MTLAB_CHROMIUM to a Chromium or Chrome executable");
}

// The flags every headless run takes: root needs --no-sandbox; a profile of
// its own per call so parallel tests do not share one; virtual time lets the
// page's timers run before the DOM is read.
inline std::string chromium_command(const std::filesystem::path& page, const std::filesystem::path& profile,
                                    const std::string& action) {
  return "timeout 300 " + shell_quote(chromium_executable()) +
         " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars"
         " --user-data-dir=" + shell_quote(profile.string()) + " --virtual-time-budget=20000 " + action + " " +
         shell_quote("file://" + std::filesystem::absolute(page).string());
}

// One headless Chromium run of `action` on `page`, in a profile folder of its own
// under `scratch` that is removed when the run ends, whatever the test does next.
inline CommandResult run_chromium(const std::filesystem::path& page, const std::filesystem::path& scratch,
                                  const std::string& action) {
  struct ProfileFolder {
    std::filesystem::path path;
    ~ProfileFolder() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } profile{scratch / "chromium-profile"};
  return run_command(chromium_command(page, profile.path, action));
}

inline std::string html_unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""},
                                                          {"&#39;", "'"}, {"&nbsp;", "\xC2\xA0"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + std::strlen(to))) {
      s.replace(at, std::strlen(from), to);
    }
  }
  return s;
}

struct RenderedPage {
  std::string dom;          // the DOM after the script ran, as Chromium serialises it
  nlohmann::json summary;   // the report's #render-report
};

// Throws with Chromium's output when it fails or the page wrote no summary.
inline RenderedPage render_page(const std::filesystem::path& page, const std::filesystem::path& scratch) {
  const auto result = run_chromium(page, scratch, "--dump-dom 2>/dev/null");
  RenderedPage out;
  out.dom = result.output;
  const std::string open = "<pre id=\"render-report\" hidden=\"\">";
  const auto begin = out.dom.find(open);
  const auto end = begin == std::string::npos ? begin : out.dom.find("</pre>", begin);
  if (result.exit_code != 0 || end == std::string::npos || end == begin + open.size()) {
    throw std::runtime_error("chromium (exit " + std::to_string(result.exit_code) + ") gave no render summary for " +
                             page.string() + ":\n" + out.dom.substr(0, 4000));
  }
  out.summary = nlohmann::json::parse(html_unescape(out.dom.substr(begin + open.size(), end - begin - open.size())));
  return out;
}

// A PNG of the page as a browser window of `width`×`height` shows it.
inline void screenshot(const std::filesystem::path& page, const std::filesystem::path& png,
                       const std::filesystem::path& scratch, int width = 1400, int height = 5000) {
  const auto result = run_chromium(page, scratch,
                                   "--screenshot=" + shell_quote(png.string()) + " --window-size=" +
                                       std::to_string(width) + "," + std::to_string(height));
  if (result.exit_code != 0 || !std::filesystem::exists(png)) {
    throw std::runtime_error("chromium could not take a screenshot of " + page.string() + ":\n" + result.output);
  }
}

}  // namespace mtlab::test
