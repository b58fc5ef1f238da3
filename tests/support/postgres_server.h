#pragma once
// A real PostgreSQL 15 server for the tests of the PostgreSQL results store:
// started on first use (initdb and pg_ctl of Debian's postgresql package, in a
// fresh /tmp folder; as the unprivileged user `nobody` when the tests run as
// root), listening only on a unix socket in that folder, one server per test
// executable. A watchdog process stops it (pg_ctl stop -m immediate) and
// removes the folder when the executable exits, however it exits (a failed
// test, an exception, a crash or SIGKILL). Each test takes a fresh database.
#include <string>

namespace mtlab::test {

class PostgresServer {
 public:
  // The server of this executable, started on the first call.
  static PostgresServer& instance();

  // A new, empty database (CREATE DATABASE) for the test named `test`, and its
  // URL: postgresql://mtlab@/<name>?host=<socket folder>.
  std::string fresh_database(const std::string& test);
  // The URL of database `name` (which need not exist).
  std::string url(const std::string& name) const;
  // The folder holding the server's socket.
  const std::string& socket_folder() const { return folder_; }
  // Restarts the server (pg_ctl restart -m fast: open connections are closed),
  // waiting until it accepts connections again.
  void restart();

 private:
  PostgresServer();
  std::string folder_;
  int databases_ = 0;
};

// PostgresServer::instance().fresh_database(test).
std::string postgres_database(const std::string& test);

}  // namespace mtlab::test
