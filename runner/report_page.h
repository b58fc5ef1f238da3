#pragma once
// The report page: runner/report/report.html with the style, uPlot, the data
// and report.js put in place, one self-contained file that opens from file://.
#include <string>

#include <nlohmann/json.hpp>

namespace mtlab::cli {

// JSON text that is safe inside <script type="application/json">: '<', '>',
// '&', U+2028 and U+2029 are written as \u escapes (JSON reads them back the
// same), so no text from the database can close the element or start markup.
// Invalid UTF-8 from the database is replaced by U+FFFD.
std::string script_safe_json(const nlohmann::json& value);

std::string report_page(const nlohmann::json& model);

}  // namespace mtlab::cli
