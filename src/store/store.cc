#include "store/store.h"

#include <system_error>

#include "store/backends.h"
#include "store/migrations.h"
#include "store/sql_repositories.h"

namespace kwb::store {

Store::Store(std::unique_ptr<SqlConnection> connection, const Clock& clock, int schema_version)
    : backend_name_(connection->dialect() == Dialect::kPostgres ? "postgres" : "sqlite"),
      schema_version_(schema_version) {
  connection_ = std::make_unique<SerializedConnection>(std::move(connection));
  users_ = make_user_repository(*connection_, clock);
  resources_ = make_resource_repository(*connection_, clock);
  audit_ = make_audit_repository(*connection_, clock);
  revocations_ = make_token_revocation_repository(*connection_, clock);
  analyses_ = make_analysis_repository(*connection_, clock);
}

// Declared here, where SerializedConnection is complete.
Store::~Store() = default;

UserRepository& Store::users() { return *users_; }
ResourceRepository& Store::resources() { return *resources_; }
AuditRepository& Store::audit() { return *audit_; }
TokenRevocationRepository& Store::revocations() { return *revocations_; }
AnalysisRepository& Store::analyses() { return *analyses_; }
std::string_view Store::backend_name() const { return backend_name_; }

Status Store::ping() {
  auto result = connection_->query("SELECT 1", {});
  if (!result) return std::move(result).error();
  return ok_status();
}

namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

Result<std::unique_ptr<SqlConnection>> connect(std::string_view url, const std::filesystem::path& data_dir) {
  if (url.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return Error::io("cannot create data directory " + data_dir.string() + ": " + ec.message());
    return open_sqlite(data_dir / "kwb.db");
  }
  if (starts_with(url, "sqlite://")) {
    const std::string_view path = url.substr(std::string_view("sqlite://").size());
    if (path.empty()) return Error::config("database URL 'sqlite://' names no file; use sqlite:///path/to/kwb.db");
    return open_sqlite(std::filesystem::path(std::string(path)));
  }
  if (starts_with(url, "postgres://") || starts_with(url, "postgresql://")) return open_postgres(url);
  return Error::config("unsupported database URL '" + redact_database_url(url) +
                       "': expected sqlite:///path, postgres://... or postgresql://...");
}

}  // namespace

Result<std::unique_ptr<Store>> open_store(std::string_view url, const std::filesystem::path& data_dir,
                                          const Clock& clock) {
  auto connection = connect(url, data_dir);
  if (!connection) return std::move(connection).error();
  auto version = run_migrations(**connection, builtin_migrations(), clock);
  if (!version) return std::move(version).error();
  return std::unique_ptr<Store>(new Store(std::move(*connection), clock, *version));
}

std::string redact_database_url(std::string_view url) {
  // scheme://user:password@host/... -> scheme://user:****@host/...
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?", authority_start);
  const std::string_view authority = url.substr(authority_start, authority_end == std::string_view::npos
                                                                     ? std::string_view::npos
                                                                     : authority_end - authority_start);
  const auto at = authority.rfind('@');
  std::string out(url);
  if (at != std::string_view::npos) {
    const auto colon = authority.substr(0, at).find(':');
    if (colon != std::string_view::npos) {
      out = std::string(url.substr(0, authority_start + colon + 1)) + "****" +
            std::string(url.substr(authority_start + at));
    }
  }
  // A password may also travel as a query parameter (?password=...).
  const auto password = out.find("password=");
  if (password != std::string::npos) {
    const auto value_end = out.find('&', password);
    out = out.substr(0, password + 9) + "****" + (value_end == std::string::npos ? "" : out.substr(value_end));
  }
  return out;
}

}  // namespace kwb::store
