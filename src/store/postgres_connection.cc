// SqlConnection on libpq.

#include <libpq-fe.h>

#include <memory>
#include <string>

#include "core/strings.h"
#include "store/backends.h"

namespace kwb::store {
namespace {

struct ResultCloser {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResultPtr = std::unique_ptr<PGresult, ResultCloser>;

std::string one_line(const char* text) { return std::string(trim(text ? text : "")); }

Error postgres_error(PGconn* conn, const PGresult* result, std::string_view what) {
  Error error;
  error.kind = ErrorKind::kInternal;
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = sqlstate ? sqlstate : "";
  if (state == "23505") {
    error.kind = ErrorKind::kConflict;
    error.code = "UniqueViolation";
  } else if (state == "23514") {
    error.kind = ErrorKind::kInvalidInput;
    error.code = "CheckViolation";
  } else if (state == "40001" || state == "40P01" || state == "55P03") {
    // serialization failure, deadlock, lock not available: try again
    error.kind = ErrorKind::kTransient;
    error.code = state;
  } else if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || PQstatus(conn) == CONNECTION_BAD) {
    // connection exceptions and server shutdown
    error.kind = ErrorKind::kNetwork;
    error.code = state;
  } else {
    error.code = state;
  }
  const char* message = result ? PQresultErrorMessage(result) : nullptr;
  if (message == nullptr || *message == '\0') message = PQerrorMessage(conn);
  error.message = "postgres: " + std::string(what) + ": " + one_line(message);
  return error;
}

// libpq prints server NOTICEs ("relation already exists, skipping") to stderr by default; they
// are expected during migrations and carry nothing the caller needs.
void ignore_notice(void*, const char*) {}

// Purpose: the PostgreSQL SqlConnection. Owns its PGconn. Not thread-safe (the Store serialises
// calls). A dropped connection is re-established on the next call (PQreset), so a database
// restart costs the calls in flight, not the server process.
class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  [[nodiscard]] Dialect dialect() const override { return Dialect::kPostgres; }

  Result<SqlResult> query(std::string_view sql, const std::vector<SqlValue>& params) override {
    KWB_RETURN_IF_ERROR(ensure_connected());
    // Every value goes as a text-format parameter with its type left to the server, which infers
    // it from the column or operator it meets ($1 in "id = $1" becomes bigint).
    std::vector<std::string> storage;
    storage.reserve(params.size());
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const SqlValue& value : params) {
      if (std::holds_alternative<std::nullptr_t>(value)) {
        values.push_back(nullptr);
        continue;
      }
      if (const auto* number = std::get_if<std::int64_t>(&value)) {
        storage.push_back(std::to_string(*number));
      } else {
        const std::string& text = std::get<std::string>(value);
        // libpq's text-format parameters are C strings; PostgreSQL text cannot hold NUL either.
        if (text.find('\0') != std::string::npos) {
          return Error::invalid_input("", "text values may not contain NUL bytes");
        }
        storage.push_back(text);
      }
      values.push_back(storage.back().c_str());
    }
    const std::string text(sql);
    PgResultPtr result(PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                                    values.data(), nullptr, nullptr, /*resultFormat=*/0));
    if (!result) return postgres_error(conn_, nullptr, "query");
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return postgres_error(conn_, result.get(), "query");
    }
    SqlResult out;
    const int rows = PQntuples(result.get());
    const int columns = PQnfields(result.get());
    out.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      std::vector<std::optional<std::string>> row;
      row.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(result.get(), r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                       static_cast<std::size_t>(PQgetlength(result.get(), r, c))));
        }
      }
      out.rows.emplace_back(std::move(row));
    }
    const char* affected = PQcmdTuples(result.get());
    if (affected != nullptr && *affected != '\0') out.affected_rows = std::stoll(affected);
    return out;
  }

  Status execute_script(std::string_view sql) override {
    KWB_RETURN_IF_ERROR(ensure_connected());
    const std::string text(sql);
    // The simple-query protocol runs several ';'-separated statements in one call.
    PgResultPtr result(PQexec(conn_, text.c_str()));
    if (!result) return postgres_error(conn_, nullptr, "exec");
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return postgres_error(conn_, result.get(), "exec");
    }
    return ok_status();
  }

 private:
  Status ensure_connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return ok_status();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Error::network("postgres: connection lost and reconnect failed: " + one_line(PQerrorMessage(conn_)));
    }
    return ok_status();
  }

  PGconn* conn_;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> open_postgres(std::string_view url) {
  const std::string conninfo(url);
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Error::internal("postgres: out of memory creating a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    // PQerrorMessage names host and port but not the password, unlike the URL itself.
    Error error = Error::network("postgres: cannot connect: " + one_line(PQerrorMessage(conn)));
    PQfinish(conn);
    return error;
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  auto connection = std::make_unique<PostgresConnection>(conn);
  // Timestamps are stored as epoch milliseconds, so the session time zone does not matter; the
  // encoding does, because names and tags are arbitrary UTF-8.
  KWB_RETURN_IF_ERROR(connection->execute_script("SET client_encoding = 'UTF8'"));
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace kwb::store
