#include "mtlab/storage/experiment_lookup.h"

#include <string>

#include "mtlab/core/error.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {

std::int64_t find_experiment(const Database& db, std::string_view name) {
  auto q = db.prepare("SELECT id FROM experiments WHERE name = ?1", "look up experiment");
  q.bind_all(name);
  if (q.step()) return q.get_int(0);
  auto all = db.prepare("SELECT name FROM experiments ORDER BY name", "list experiments");
  std::string known;
  while (all.step()) known += (known.empty() ? "" : ", ") + all.get_text(0);
  throw Error(db.location() + ": no experiment named '" + std::string(name) + "' (" +
              (known.empty() ? std::string("the database has no experiments yet") : "expected one of: " + known) +
              ")");
}

}  // namespace mtlab::storage
