// The PostgreSQL side of the connection seam (connection.h), on libpqxx. Every
// statement runs on its own pqxx::nontransaction (autocommit, or inside the
// BEGIN … COMMIT that Transaction sends), so the one SQL text of storage/src
// runs unchanged but for its placeholders: ?N becomes $N, cast to the type of
// the value bound to it (so that `?1 = ''` or `?4 IS NULL` never leaves the
// server guessing a parameter's type).
//
// A server that restarted (or closed the connection) between two units of work
// is met with a new connection: before every statement the socket is looked at
// (a poll, no round trip); closed outside a transaction, or at a BEGIN, it is
// opened again, retrying while the server comes back for up to kReconnectWindow.
// A connection lost inside a transaction, or during a statement that may have
// run, is an error: the server rolled back what was open, and running it again
// could write it twice.
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <pqxx/pqxx>
#include <thread>
#include <utility>
#include <vector>

#include "connection.h"
#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "postgres_url.h"

namespace mtlab::storage {
namespace {

// libpq's messages span lines ("ERROR:  …\nLINE 1: …\n  ^"); errors here are one line.
std::string one_line(std::string_view message) {
  std::string out;
  std::size_t start = 0;
  while (start < message.size()) {
    auto end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    std::string line(message.substr(start, end - start));
    start = end + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    std::size_t first = 0;
    while (first < line.size() && std::isspace(static_cast<unsigned char>(line[first]))) ++first;
    line.erase(0, first);
    if (line.empty() || line.rfind("LINE ", 0) == 0 || line == "^") continue;
    if (line.rfind("ERROR:", 0) == 0) line.erase(0, line.find_first_not_of(' ', 6));
    out += (out.empty() ? "" : "; ") + line;
    // The query text after LINE n: adds nothing the purpose does not say.
    if (start < message.size() && message.substr(start).rfind("LINE ", 0) == 0) break;
  }
  return out;
}

// How long a lost connection is tried again while the server comes back (a
// restart takes seconds; a failover of a managed database, tens of them).
constexpr std::chrono::seconds kReconnectWindow(60);

// Whether `sql` starts with the keyword `word` (in upper case): BEGIN in "BEGIN READ ONLY".
bool starts_with_word(std::string_view sql, std::string_view word) {
  if (sql.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(sql[i])) != word[i]) return false;
  }
  return sql.size() == word.size() || !std::isalpha(static_cast<unsigned char>(sql[word.size()]));
}

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(const std::string& url, bool read_only, int lock_timeout_ms)
      : url_(url), read_only_(read_only), lock_timeout_ms_(std::max(lock_timeout_ms, 0)) {
    connect();
  }

  Dialect dialect() const override { return Dialect::postgresql; }
  const std::string& location() const override { return url_; }
  bool read_only() const override { return read_only_; }
  std::unique_ptr<StatementBackend> prepare(std::string_view sql, std::string_view purpose) override;
  void execute(std::string_view sql, std::string_view purpose) override {
    const bool begins = starts_with_word(sql, "BEGIN");
    const bool ends = starts_with_word(sql, "COMMIT") || starts_with_word(sql, "ROLLBACK");
    if (ends && std::exchange(lost_transaction_, false)) {
      // The transaction went with the lost connection: its ROLLBACK is done; a COMMIT cannot be.
      if (starts_with_word(sql, "ROLLBACK")) return;
      throw Error(fmt::format("PostgreSQL ({}): {}: the transaction was lost with the connection", url_, purpose));
    }
    // Still inside while COMMIT runs (it must never go to a new connection, where
    // it would commit nothing and say so only as a warning); over after it, however it went.
    struct Ends {
      bool on;
      bool& inside;
      ~Ends() {
        if (on) inside = false;
      }
    } end{ends, in_transaction_};
    run(purpose, [&](pqxx::nontransaction& tx) { return tx.exec(std::string(sql)); }, begins);
    if (begins) in_transaction_ = true;
  }
  std::int64_t changes() const override { return changes_; }

  // Runs `body` on a fresh nontransaction; records the rows it changed. A
  // `begin` (BEGIN) that meets a lost connection did nothing, so it is sent again
  // on a new one.
  template <class Body>
  pqxx::result run(std::string_view purpose, Body body, bool begin = false) {
    if (!conn_->is_open() || closed_by_server()) {
      if (in_transaction_) lost(purpose, "the server closed it");
      reconnect(purpose, "the server closed it");
    }
    for (bool again = begin;; again = false) {
      try {
        return run_once(body);
      } catch (const pqxx::broken_connection& e) {
        if (in_transaction_ || !again) lost(purpose, one_line(e.what()));
        reconnect(purpose, one_line(e.what()));  // a BEGIN that met a closed connection did nothing
        continue;
      } catch (const pqxx::sql_error& e) {
        throw Error(fmt::format("PostgreSQL ({}): {}: {}{}", url_, purpose, one_line(e.what()),
                                e.sqlstate().empty() ? "" : " (SQLSTATE " + e.sqlstate() + ")"));
      } catch (const pqxx::failure& e) {
        throw Error(fmt::format("PostgreSQL ({}): {}: {}", url_, purpose, one_line(e.what())));
      }
    }
  }

 private:
  template <class Body>
  pqxx::result run_once(Body& body) {
    pqxx::nontransaction tx(*conn_);
    pqxx::result result = body(tx);
    changes_ = static_cast<std::int64_t>(result.affected_rows());
    return result;
  }

  // Opens the connection and sets up its session.
  void connect() {
    conn_.reset();
    try {
      conn_.emplace(url_);
    } catch (const std::exception& e) {
      throw Error(fmt::format("PostgreSQL ({}): cannot connect: {}", url_, one_line(e.what())));
    }
    // Never pqxx's own silent reconnect, which could fall in the middle of a transaction.
    conn_->inhibit_reactivation(true);
    std::string session = "SET client_min_messages = warning; ";  // quiet the server's notices
    if (read_only_) session += "SET default_transaction_read_only = on; ";
    // SQLite's busy timeout: how long a write waits for another transaction's locks.
    session += fmt::format("SET lock_timeout = {}", lock_timeout_ms_);
    try {
      pqxx::nontransaction tx(*conn_);
      tx.exec(session);
    } catch (const std::exception& e) {
      throw Error(fmt::format("PostgreSQL ({}): cannot connect: setting up the session: {}", url_, one_line(e.what())));
    }
  }

  // The connection broke inside a transaction (rolled back by the server, unless
  // this was its COMMIT and it arrived) or during a statement outside one (which may
  // have taken effect): an error, and nothing is sent again.
  [[noreturn]] void lost(std::string_view purpose, const std::string& why) {
    const bool inside = std::exchange(in_transaction_, false);
    lost_transaction_ = inside;
    throw Error(fmt::format("PostgreSQL ({}): {}: the connection to the server was lost {}: {}", url_, purpose,
                            inside ? "inside a transaction, which the server rolled back unless this was its "
                                     "COMMIT and it arrived"
                                   : "during the statement, which is not sent again (it may have taken effect)",
                            why));
  }

  // A server that went away sent its last words (an ErrorResponse, 'E': FATAL:
  // terminating connection …) and closed the socket; libpq notices only when it
  // reads. On a live idle connection nothing is waiting, so this costs one poll().
  // Peeked, not read: what a live server may send unasked (a notice, a parameter
  // change) stays for libpq. (Over TLS the bytes are encrypted: only the end of the
  // stream is seen, and a BEGIN meeting a closed connection is sent again anyway.)
  bool closed_by_server() const {
    const int fd = conn_->sock();
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if ((p.revents & (POLLHUP | POLLERR)) != 0) return true;
    char first = 0;
    const auto n = ::recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n == 1 && first == 'E');
  }

  // Connects again, retrying for kReconnectWindow while the server comes back.
  void reconnect(std::string_view purpose, const std::string& why) {
    const auto deadline = std::chrono::steady_clock::now() + kReconnectWindow;
    auto wait = std::chrono::milliseconds(100);
    for (;;) {
      try {
        connect();
        log::warn("PostgreSQL ({}): the connection was lost ({}); connected again", url_, why);
        return;
      } catch (const Error& e) {
        if (std::chrono::steady_clock::now() + wait > deadline) {
          throw Error(fmt::format("PostgreSQL ({}): {}: the connection was lost ({}) and no new one was accepted "
                                  "within {} s: {}",
                                  url_, purpose, why, kReconnectWindow.count(), e.what()));
        }
      }
      std::this_thread::sleep_for(wait);
      wait = std::min<std::chrono::milliseconds>(wait * 2, std::chrono::seconds(2));
    }
  }

  std::string url_;
  bool read_only_;
  int lock_timeout_ms_;
  std::optional<pqxx::connection> conn_;
  std::int64_t changes_ = 0;
  bool in_transaction_ = false;    // between a BEGIN and its COMMIT/ROLLBACK
  bool lost_transaction_ = false;  // the connection broke inside one, not yet ended by its caller
};

class PostgresStatement final : public StatementBackend {
 public:
  PostgresStatement(PostgresConnection& conn, std::string_view sql, std::string_view purpose)
      : conn_(conn), sql_(sql), purpose_(purpose) {}

  void bind_int(int index, std::int64_t value) override { set(index, std::to_string(value), "::int8"); }
  void bind_double(int index, double value) override { set(index, fmt::format("{}", value), "::float8"); }
  void bind_text(int index, std::string_view value) override { set(index, std::string(value), "::text"); }
  void bind_null(int index) override { set(index, std::nullopt, ""); }

  bool step() override {
    execute();
    return ++row_ < static_cast<long>(result_->size());
  }
  void reset() override {
    result_.reset();
    row_ = -1;
    params_.clear();
  }
  int column_count() const override { return static_cast<int>(executed().columns()); }
  std::string column_name(int column) const override { return executed().column_name(column); }
  ColumnType column_type(int column) const override {
    if (field(column).is_null()) return ColumnType::null;
    switch (executed().column_type(column)) {
      case 16: case 20: case 21: case 23: case 26: return ColumnType::integer;  // bool, int8/2/4, oid
      case 700: case 701: case 1700: return ColumnType::real;                  // float4/8, numeric
      case 17: return ColumnType::blob;                                         // bytea
      default: return ColumnType::text;
    }
  }
  std::int64_t get_int(int column) const override {
    const auto f = field(column);
    if (f.is_null()) return 0;
    const char* text = f.c_str();
    if (text[0] == 't' && text[1] == '\0') return 1;  // booleans read as SQLite's 1 and 0
    if (text[0] == 'f' && text[1] == '\0') return 0;
    char* end = nullptr;
    const long long value = std::strtoll(text, &end, 10);
    return *end == '\0' ? value : static_cast<std::int64_t>(std::strtod(text, nullptr));
  }
  double get_double(int column) const override {
    const auto f = field(column);
    if (f.is_null()) return 0;
    if (column_type(column) == ColumnType::integer) return static_cast<double>(get_int(column));
    return std::strtod(f.c_str(), nullptr);
  }
  std::string get_text(int column) const override {
    const auto f = field(column);
    if (f.is_null()) return {};
    // Numbers print as SQLite prints them: booleans 1/0, reals in shortest form.
    const auto type = column_type(column);
    if (type == ColumnType::integer) return std::to_string(get_int(column));
    if (type == ColumnType::real) return fmt::format("{}", get_double(column));
    return std::string(f.c_str(), f.size());
  }
  std::size_t blob_bytes(int column) const override {
    const auto f = field(column);
    return f.size() > 2 ? (f.size() - 2) / 2 : 0;  // bytea's hex text: \x then two digits a byte
  }

 private:
  struct Param {
    std::optional<std::string> value;
    const char* cast;
  };
  void set(int index, std::optional<std::string> value, const char* cast) {
    if (index < 1) throw Error(fmt::format("PostgreSQL: {}: parameter index {} (expected 1 or more)", purpose_, index));
    if (params_.size() < static_cast<std::size_t>(index)) params_.resize(static_cast<std::size_t>(index), {std::nullopt, ""});
    params_[static_cast<std::size_t>(index) - 1] = {std::move(value), cast};
  }
  void execute() {
    if (result_) return;
    std::vector<const char*> values;
    for (const auto& p : params_) values.push_back(p.value ? p.value->c_str() : nullptr);
    const std::string sql = translate();
    result_ = conn_.run(purpose_, [&](pqxx::nontransaction& tx) {
      return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(values));
    });
    row_ = -1;
  }
  const pqxx::result& executed() const {
    const_cast<PostgresStatement*>(this)->execute();
    return *result_;
  }
  pqxx::field field(int column) const {
    return executed()[static_cast<pqxx::result::size_type>(row_)][static_cast<pqxx::row::size_type>(column)];
  }
  // ?N → $N::type, outside quotes and comments.
  std::string translate() const {
    std::string out;
    out.reserve(sql_.size() + 8 * params_.size());
    for (std::size_t i = 0; i < sql_.size();) {
      const char c = sql_[i];
      if (c == '\'' || c == '"') {
        const auto end = sql_.find(c, i + 1);
        const auto stop = end == std::string::npos ? sql_.size() : end + 1;
        out.append(sql_, i, stop - i);
        i = stop;
      } else if (c == '-' && i + 1 < sql_.size() && sql_[i + 1] == '-') {
        const auto end = sql_.find('\n', i);
        const auto stop = end == std::string::npos ? sql_.size() : end;
        out.append(sql_, i, stop - i);
        i = stop;
      } else if (c == '/' && i + 1 < sql_.size() && sql_[i + 1] == '*') {
        const auto end = sql_.find("*/", i + 2);
        const auto stop = end == std::string::npos ? sql_.size() : end + 2;
        out.append(sql_, i, stop - i);
        i = stop;
      } else if (c == '?' && i + 1 < sql_.size() && std::isdigit(static_cast<unsigned char>(sql_[i + 1]))) {
        std::size_t j = i + 1;
        while (j < sql_.size() && std::isdigit(static_cast<unsigned char>(sql_[j]))) ++j;
        const auto n = static_cast<std::size_t>(std::stoul(sql_.substr(i + 1, j - i - 1)));
        out += '$';
        out.append(sql_, i + 1, j - i - 1);
        if (n >= 1 && n <= params_.size()) out += params_[n - 1].cast;
        i = j;
      } else {
        out += c;
        ++i;
      }
    }
    return out;
  }

  PostgresConnection& conn_;
  std::string sql_;
  std::string purpose_;
  std::vector<Param> params_;
  std::optional<pqxx::result> result_;
  long row_ = -1;
};

std::unique_ptr<StatementBackend> PostgresConnection::prepare(std::string_view sql, std::string_view purpose) {
  return std::make_unique<PostgresStatement>(*this, sql, purpose);
}

}  // namespace

std::unique_ptr<Connection> open_postgres_connection(const std::string& url, const OpenOptions& options) {
  require_no_password(url);
  return std::make_unique<PostgresConnection>(url, options.mode == OpenMode::read_only, options.busy_timeout_ms);
}

}  // namespace mtlab::storage
