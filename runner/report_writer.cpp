#include "report_writer.h"

#include <unistd.h>

#include <fstream>
#include <system_error>

#include "mtlab/core/error.h"
#include "report_page.h"

namespace mtlab::cli {
namespace fs = std::filesystem;

std::size_t write_report(const storage::ResultsStore& store, const ReportRequest& request, const fs::path& out) {
  const auto model = report_model(store, request);
  const std::string page = report_page(model);
  const fs::path folder = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  if (!fs::is_directory(folder)) {
    throw Error(out.string() + ": cannot write the report: the folder '" + folder.string() + "' does not exist");
  }
  const fs::path partial = fs::path(out.string() + ".partial-" + std::to_string(getpid()));
  {
    std::ofstream file(partial, std::ios::binary);
    file.write(page.data(), static_cast<std::streamsize>(page.size()));
    if (!file.flush()) {
      std::error_code ignored;
      fs::remove(partial, ignored);
      throw Error(out.string() + ": cannot write the report (" + std::generic_category().message(errno) + ")");
    }
  }
  std::error_code ec;
  fs::rename(partial, out, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(partial, ec);
    throw Error(out.string() + ": cannot write the report (" + why + ")");
  }
  std::size_t runs = 0;
  for (const auto& e : model["experiments"]) runs += e["runs"].size();
  return runs;
}

}  // namespace mtlab::cli
