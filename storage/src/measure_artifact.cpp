#include "mtlab/core/error.h"
#include "mtlab/core/hash.h"
#include "mtlab/storage/run_record.h"

namespace mtlab::storage {

ArtifactRecord measure_artifact(std::string_view kind, const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw Error(file.string() + ": cannot record artifact: " + ec.message());
  return {std::string(kind), file.string(), static_cast<std::int64_t>(size), sha256_file(file)};
}

}  // namespace mtlab::storage
