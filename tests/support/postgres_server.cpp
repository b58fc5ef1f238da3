#include "postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "run_command.h"

namespace mtlab::test {
namespace {

const std::string kBin = "/usr/lib/postgresql/15/bin/";

// Prefix for the server's own commands: postgres refuses to run as root.
std::string as_server_user() { return geteuid() == 0 ? "runuser -u nobody -- " : ""; }

void run_or_throw(const std::string& what, const std::string& command, const std::string& log = "") {
  const auto result = run_command(command);
  if (result.exit_code != 0) {
    std::string log_text;
    if (!log.empty()) log_text = run_command("cat " + shell_quote(log)).output;
    throw std::runtime_error("PostgreSQL test server: " + what + " failed (exit " + std::to_string(result.exit_code) +
                             "): " + result.output + log_text + "\n(command: " + command + ")");
  }
}

// Forks a shell that waits for this process to end (its stdin, the read end of
// a pipe whose write end only this process holds, reaches EOF), then stops the
// server and removes the folder.
void start_watchdog(const std::string& folder) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("PostgreSQL test server: pipe() failed");
  const std::string script = "read -r _; " + as_server_user() + kBin + "pg_ctl -D " + shell_quote(folder + "/data") +
                             " -m immediate stop; rm -rf " + shell_quote(folder);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("PostgreSQL test server: fork() failed");
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    dup2(fds[0], 0);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    setsid();  // not in the test's process group: a Ctrl-C of the test still leaves it to clean up
    execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[0]);
  // fds[1] stays open (close-on-exec, so `mtlab` children do not hold it) until this process ends.
}

}  // namespace

PostgresServer& PostgresServer::instance() {
  static PostgresServer server;
  return server;
}

PostgresServer::PostgresServer() {
  if (!std::filesystem::exists(kBin + "initdb")) {
    throw std::runtime_error("PostgreSQL test server: " + kBin +
                             "initdb not found; install Debian's postgresql package (scripts/test.sh does)");
  }
  // A short path: a unix socket's path must stay under 108 bytes.
  char folder[] = "/tmp/mtpg-XXXXXX";
  if (!mkdtemp(folder)) throw std::runtime_error("PostgreSQL test server: mkdtemp failed");
  folder_ = folder;
  start_watchdog(folder_);
  if (geteuid() == 0) {
    const passwd* nobody = getpwnam("nobody");
    if (!nobody || chown(folder, nobody->pw_uid, nobody->pw_gid) != 0) {
      throw std::runtime_error("PostgreSQL test server: cannot give " + folder_ + " to the user nobody");
    }
  }
  const std::string data = folder_ + "/data", log = folder_ + "/server.log";
  run_or_throw("initdb", as_server_user() + kBin + "initdb -D " + shell_quote(data) +
                             " -U mtlab -A trust -E UTF8 --locale=C --no-sync");
  // Durability is not under test: fsync off makes CREATE DATABASE and commits fast.
  const std::string options = "-c listen_addresses='' -c unix_socket_directories='" + folder_ +
                              "' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
  run_or_throw("pg_ctl start",
               as_server_user() + kBin + "pg_ctl -D " + shell_quote(data) + " -l " + shell_quote(log) + " -w -o " +
                   shell_quote(options) + " start",
               log);
}

void PostgresServer::restart() {
  const std::string log = folder_ + "/server.log";
  run_or_throw("pg_ctl restart",
               as_server_user() + kBin + "pg_ctl -D " + shell_quote(folder_ + "/data") + " -l " + shell_quote(log) +
                   " -w -m fast restart",
               log);
}

std::string PostgresServer::url(const std::string& name) const {
  return "postgresql://mtlab@/" + name + "?host=" + folder_;
}

std::string PostgresServer::fresh_database(const std::string& test) {
  std::string name = "t" + std::to_string(++databases_) + "_";
  for (char c : test) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  name = name.substr(0, 60);
  run_or_throw("CREATE DATABASE " + name, kBin + "psql -X -q -v ON_ERROR_STOP=1 " + shell_quote(url("postgres")) +
                                              " -c " + shell_quote("CREATE DATABASE " + name));
  return url(name);
}

std::string postgres_database(const std::string& test) { return PostgresServer::instance().fresh_database(test); }

}  // namespace mtlab::test
