#pragma once
// A write transaction (RAII). SQLite: BEGIN IMMEDIATE takes the write lock up
// front, so two writers queue on the busy timeout instead of failing with
// "database is locked" when a read would later have to upgrade. PostgreSQL:
// BEGIN (read committed; claims queue on sql::lock_experiment_claims).
// Rolls back unless committed.
#include <string>
#include <string_view>

namespace mtlab::storage {

class Database;

class Transaction {
 public:
  Transaction(const Database& db, std::string_view purpose);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  const Database& db_;
  std::string purpose_;
  bool open_ = true;
};

}  // namespace mtlab::storage
