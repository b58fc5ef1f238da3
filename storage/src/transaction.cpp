#include "mtlab/storage/transaction.h"

#include "mtlab/core/log.h"
#include "mtlab/storage/database.h"
#include "sql_dialect.h"

namespace mtlab::storage {

Transaction::Transaction(const Database& db, std::string_view purpose) : db_(db), purpose_(purpose) {
  db_.execute(sql::begin_write(db_), "begin transaction: " + purpose_);
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    db_.execute("ROLLBACK", "roll back transaction: " + purpose_);
  } catch (const std::exception& e) {
    // SQLite may already have rolled back (e.g. after SQLITE_FULL); nothing is left to undo.
    log::debug("{}", e.what());
  }
}

void Transaction::commit() {
  db_.execute("COMMIT", "commit transaction: " + purpose_);
  open_ = false;
}

}  // namespace mtlab::storage
