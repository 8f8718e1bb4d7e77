#include "store/sql_repositories.h"

#include <chrono>
#include <string>

namespace kwb::store {
namespace {

std::int64_t to_millis(SystemTimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}
SystemTimePoint from_millis(std::int64_t millis) {
  return SystemTimePoint(std::chrono::duration_cast<SystemTimePoint::duration>(std::chrono::milliseconds(millis)));
}

// nlohmann::json::dump throws on invalid UTF-8; that is bad input, reported as a value.
Result<std::string> json_text(const nlohmann::json& value, std::string_view field) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    return Error::invalid_input(std::string(field), std::string(field) + " is not valid JSON text: " + e.what());
  }
}

Result<nlohmann::json> parse_json(const std::string& text, std::string_view column) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Error::parse("stored " + std::string(column) + " is not valid JSON");
  return value;
}

// A JSON object column (config, tags): null means empty; anything else but an object is refused
// so readers can rely on the shape.
Result<std::string> object_text(const nlohmann::json& value, std::string_view field) {
  if (value.is_null()) return std::string("{}");
  if (!value.is_object()) return Error::invalid_input(std::string(field), std::string(field) + " must be a JSON object");
  return json_text(value, field);
}

#define KWB_ASSIGN_OR_RETURN(lhs, expr)          \
  auto lhs##_result = (expr);                    \
  if (!lhs##_result) return std::move(lhs##_result).error(); \
  auto lhs = std::move(*lhs##_result)

// ---------------------------------------------------------------------------------------------

constexpr std::string_view kUserColumns =
    "id, username, password_hash, role, disabled, password_changed, created_at, updated_at";

Result<User> user_from_row(const SqlRow& row) {
  User user;
  KWB_ASSIGN_OR_RETURN(id, row.int64(0));
  KWB_ASSIGN_OR_RETURN(disabled, row.int64(4));
  KWB_ASSIGN_OR_RETURN(changed, row.int64(5));
  KWB_ASSIGN_OR_RETURN(created, row.int64(6));
  KWB_ASSIGN_OR_RETURN(updated, row.int64(7));
  user.id = id;
  user.username = row.text(1);
  user.password_hash = row.text(2);
  user.role = row.text(3);
  user.disabled = disabled != 0;
  user.password_changed = changed != 0;
  user.created_at = from_millis(created);
  user.updated_at = from_millis(updated);
  return user;
}

Result<std::optional<User>> first_user(Result<SqlResult> result) {
  if (!result) return std::move(result).error();
  if (result->rows.empty()) return std::optional<User>();
  KWB_ASSIGN_OR_RETURN(user, user_from_row(result->rows.front()));
  return std::optional<User>(std::move(user));
}

Status expect_one_row(const Result<SqlResult>& result, std::string_view what, std::int64_t id) {
  if (!result) return result.error();
  if (result->affected_rows == 0) return Error::not_found(std::string(what) + " " + std::to_string(id) + " not found");
  return ok_status();
}

class SqlUserRepository final : public UserRepository {
 public:
  SqlUserRepository(SerializedConnection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<User> create(const NewUser& user) override {
    const std::int64_t now = to_millis(clock_.now());
    auto result = db_.query(
        "INSERT INTO users (username, password_hash, role, disabled, password_changed, created_at, updated_at) "
        "VALUES ($1, $2, $3, 0, $4, $5, $5) RETURNING " + std::string(kUserColumns),
        {user.username, user.password_hash, user.role, std::int64_t{user.password_changed ? 1 : 0}, now});
    if (!result) {
      Error error = std::move(result).error();
      if (error.kind == ErrorKind::kConflict) {
        error.message = "user '" + user.username + "' already exists";
        error.field = "username";
      } else if (error.code == "CheckViolation") {
        error.message = "unknown role '" + user.role + "'";
        error.field = "role";
      }
      return error;
    }
    if (result->rows.empty()) return Error::internal("INSERT ... RETURNING gave no row");
    return user_from_row(result->rows.front());
  }

  Result<std::optional<User>> find_by_name(std::string_view username) override {
    return first_user(db_.query("SELECT " + std::string(kUserColumns) + " FROM users WHERE username = $1",
                                {std::string(username)}));
  }

  Result<std::optional<User>> find_by_id(std::int64_t id) override {
    return first_user(db_.query("SELECT " + std::string(kUserColumns) + " FROM users WHERE id = $1", {id}));
  }

  Result<std::vector<User>> list() override {
    auto result = db_.query("SELECT " + std::string(kUserColumns) + " FROM users ORDER BY username", {});
    if (!result) return std::move(result).error();
    std::vector<User> users;
    users.reserve(result->rows.size());
    for (const SqlRow& row : result->rows) {
      KWB_ASSIGN_OR_RETURN(user, user_from_row(row));
      users.push_back(std::move(user));
    }
    return users;
  }

  Result<std::int64_t> count() override {
    auto result = db_.query("SELECT COUNT(*) FROM users", {});
    if (!result) return std::move(result).error();
    return result->rows.at(0).int64(0);
  }

  Status set_password_hash(std::int64_t id, std::string_view password_hash, bool password_changed) override {
    return expect_one_row(
        db_.query("UPDATE users SET password_hash = $2, password_changed = $3, updated_at = $4 WHERE id = $1",
                  {id, std::string(password_hash), std::int64_t{password_changed ? 1 : 0}, to_millis(clock_.now())}),
        "user", id);
  }

  Status set_disabled(std::int64_t id, bool disabled) override {
    return expect_one_row(db_.query("UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1",
                                    {id, std::int64_t{disabled ? 1 : 0}, to_millis(clock_.now())}),
                          "user", id);
  }

  Status set_role(std::int64_t id, std::string_view role) override {
    auto result = db_.query("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1",
                            {id, std::string(role), to_millis(clock_.now())});
    if (!result && result.error().code == "CheckViolation") {
      // The CHECK constraint is the last line of defence; the caller should have parsed the role.
      return Error::invalid_input("role", "unknown role '" + std::string(role) + "'");
    }
    return expect_one_row(result, "user", id);
  }

 private:
  SerializedConnection& db_;
  const Clock& clock_;
};

// ---------------------------------------------------------------------------------------------

constexpr std::string_view kResourceColumns =
    "id, resource_type, name, arn, region, account_id, status, config, tags, created_by, created_at, updated_at, "
    "deleted_at";

Result<AwsResource> resource_from_row(const SqlRow& row) {
  AwsResource resource;
  KWB_ASSIGN_OR_RETURN(id, row.int64(0));
  KWB_ASSIGN_OR_RETURN(config, parse_json(row.text(7), "config"));
  KWB_ASSIGN_OR_RETURN(tags, parse_json(row.text(8), "tags"));
  KWB_ASSIGN_OR_RETURN(created, row.int64(10));
  KWB_ASSIGN_OR_RETURN(updated, row.int64(11));
  resource.id = id;
  resource.resource_type = row.text(1);
  resource.name = row.text(2);
  resource.arn = row.text(3);
  resource.region = row.text(4);
  resource.account_id = row.text(5);
  resource.status = row.text(6);
  resource.config = std::move(config);
  resource.tags = std::move(tags);
  resource.created_by = row.text(9);
  resource.created_at = from_millis(created);
  resource.updated_at = from_millis(updated);
  if (!row.is_null(12)) {
    KWB_ASSIGN_OR_RETURN(deleted, row.int64(12));
    resource.deleted_at = from_millis(deleted);
  }
  return resource;
}

Result<std::vector<AwsResource>> resources_from(Result<SqlResult> result) {
  if (!result) return std::move(result).error();
  std::vector<AwsResource> resources;
  resources.reserve(result->rows.size());
  for (const SqlRow& row : result->rows) {
    KWB_ASSIGN_OR_RETURN(resource, resource_from_row(row));
    resources.push_back(std::move(resource));
  }
  return resources;
}

Result<std::optional<AwsResource>> first_resource(Result<SqlResult> result) {
  KWB_ASSIGN_OR_RETURN(resources, resources_from(std::move(result)));
  if (resources.empty()) return std::optional<AwsResource>();
  return std::optional<AwsResource>(std::move(resources.front()));
}

class SqlResourceRepository final : public ResourceRepository {
 public:
  SqlResourceRepository(SerializedConnection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<AwsResource> upsert(const AwsResourceUpsert& resource) override {
    KWB_ASSIGN_OR_RETURN(config, object_text(resource.config, "config"));
    KWB_ASSIGN_OR_RETURN(tags, object_text(resource.tags, "tags"));
    // The conflict target names the partial unique index (columns plus its WHERE), which both
    // SQLite (3.24+) and PostgreSQL accept; created_by and created_at keep their first values.
    auto result = db_.query(
        "INSERT INTO aws_resources (resource_type, name, arn, region, account_id, status, config, tags, "
        "created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) "
        "ON CONFLICT (resource_type, region, account_id, name) WHERE deleted_at IS NULL DO UPDATE SET "
        "arn = excluded.arn, status = excluded.status, config = excluded.config, tags = excluded.tags, "
        "updated_at = excluded.updated_at RETURNING " + std::string(kResourceColumns),
        {resource.resource_type, resource.name, resource.arn, resource.region, resource.account_id, resource.status,
         config, tags, resource.created_by, to_millis(clock_.now())});
    KWB_ASSIGN_OR_RETURN(row, first_resource(std::move(result)));
    if (!row) return Error::internal("upsert into aws_resources returned no row");
    return std::move(*row);
  }

  Result<std::optional<AwsResource>> get(std::int64_t id) override {
    return first_resource(
        db_.query("SELECT " + std::string(kResourceColumns) + " FROM aws_resources WHERE id = $1", {id}));
  }

  Result<std::optional<AwsResource>> find_live(std::string_view resource_type, std::string_view region,
                                               std::string_view account_id, std::string_view name) override {
    return first_resource(db_.query(
        "SELECT " + std::string(kResourceColumns) +
            " FROM aws_resources WHERE resource_type = $1 AND region = $2 AND account_id = $3 AND name = $4 "
            "AND deleted_at IS NULL",
        {std::string(resource_type), std::string(region), std::string(account_id), std::string(name)}));
  }

  Result<std::vector<AwsResource>> list(const ResourceFilter& filter) override {
    // One fixed statement for every filter: a NULL type parameter means "any type". The CAST
    // gives PostgreSQL a type for $1 where it is only tested for NULL.
    SqlValue type = filter.resource_type ? SqlValue(*filter.resource_type) : SqlValue(nullptr);
    return resources_from(db_.query(
        "SELECT " + std::string(kResourceColumns) +
            " FROM aws_resources WHERE (CAST($1 AS TEXT) IS NULL OR resource_type = CAST($1 AS TEXT)) "
            "AND ($2 = 1 OR deleted_at IS NULL) ORDER BY name, id",
        {type, std::int64_t{filter.include_deleted ? 1 : 0}}));
  }

  Status mark_deleted(std::int64_t id) override {
    return expect_one_row(
        db_.query("UPDATE aws_resources SET deleted_at = $2, updated_at = $2, status = 'DELETED' "
                  "WHERE id = $1 AND deleted_at IS NULL",
                  {id, to_millis(clock_.now())}),
        "live aws_resources row", id);
  }

 private:
  SerializedConnection& db_;
  const Clock& clock_;
};

// ---------------------------------------------------------------------------------------------

constexpr std::string_view kAuditColumns = "id, at, actor, action, target, outcome, detail";

Result<AuditEntry> audit_from_row(const SqlRow& row) {
  AuditEntry entry;
  KWB_ASSIGN_OR_RETURN(id, row.int64(0));
  KWB_ASSIGN_OR_RETURN(at, row.int64(1));
  KWB_ASSIGN_OR_RETURN(detail, parse_json(row.text(6), "detail"));
  entry.id = id;
  entry.at = from_millis(at);
  entry.actor = row.text(2);
  entry.action = row.text(3);
  entry.target = row.text(4);
  entry.outcome = row.text(5);
  entry.detail = std::move(detail);
  return entry;
}

class SqlAuditRepository final : public AuditRepository {
 public:
  SqlAuditRepository(SerializedConnection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<AuditEntry> append(const NewAuditEntry& entry) override {
    KWB_ASSIGN_OR_RETURN(detail, json_text(entry.detail, "detail"));
    auto result = db_.query(
        "INSERT INTO audit_log (at, actor, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6) "
        "RETURNING " + std::string(kAuditColumns),
        {to_millis(clock_.now()), entry.actor, entry.action, entry.target, entry.outcome, detail});
    if (!result) return std::move(result).error();
    if (result->rows.empty()) return Error::internal("INSERT ... RETURNING gave no row");
    return audit_from_row(result->rows.front());
  }

  Result<std::vector<AuditEntry>> list_recent(int limit) override {
    std::vector<AuditEntry> entries;
    if (limit <= 0) return entries;
    // id breaks ties between entries written in the same millisecond, newest first.
    auto result = db_.query("SELECT " + std::string(kAuditColumns) +
                                " FROM audit_log ORDER BY at DESC, id DESC LIMIT $1",
                            {std::int64_t{limit}});
    if (!result) return std::move(result).error();
    entries.reserve(result->rows.size());
    for (const SqlRow& row : result->rows) {
      KWB_ASSIGN_OR_RETURN(entry, audit_from_row(row));
      entries.push_back(std::move(entry));
    }
    return entries;
  }

 private:
  SerializedConnection& db_;
  const Clock& clock_;
};

// ---------------------------------------------------------------------------------------------

class SqlTokenRevocationRepository final : public TokenRevocationRepository {
 public:
  SqlTokenRevocationRepository(SerializedConnection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Status revoke(std::string_view jti, SystemTimePoint expires_at) override {
    if (jti.empty()) return Error::invalid_input("jti", "a token id is required to revoke a token");
    auto result = db_.query("INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
                            {std::string(jti), to_millis(expires_at)});
    if (!result) return std::move(result).error();
    return ok_status();
  }

  Result<bool> is_revoked(std::string_view jti) override {
    auto result = db_.query("SELECT 1 FROM revoked_tokens WHERE jti = $1", {std::string(jti)});
    if (!result) return std::move(result).error();
    return !result->rows.empty();
  }

  Result<std::int64_t> purge_expired() override {
    auto result = db_.query("DELETE FROM revoked_tokens WHERE expires_at <= $1", {to_millis(clock_.now())});
    if (!result) return std::move(result).error();
    return result->affected_rows;
  }

 private:
  SerializedConnection& db_;
  const Clock& clock_;
};

// ---------------------------------------------------------------------------------------------

// Listings select NULL in place of the report (see AnalysisRepository::list_recent).
constexpr std::string_view kAnalysisColumnsBeforeReport = "id, status, request, progress, ";
constexpr std::string_view kAnalysisColumnsAfterReport =
    ", analyzer, requested_analyzer, stream_count, critical_count, warning_count, info_count, error, created_by, "
    "created_at, finished_at";

std::string analysis_columns(bool with_report) {
  return std::string(kAnalysisColumnsBeforeReport) + (with_report ? "report" : "NULL") +
         std::string(kAnalysisColumnsAfterReport);
}

Result<Analysis> analysis_from_row(const SqlRow& row) {
  Analysis a;
  a.id = row.text(0);
  a.status = row.text(1);
  KWB_ASSIGN_OR_RETURN(request, parse_json(row.text(2), "request"));
  KWB_ASSIGN_OR_RETURN(progress, parse_json(row.text(3), "progress"));
  a.request = std::move(request);
  a.progress = std::move(progress);
  if (!row.is_null(4)) {
    KWB_ASSIGN_OR_RETURN(report, parse_json(row.text(4), "report"));
    a.report = std::move(report);
  }
  if (!row.is_null(5)) a.analyzer = row.text(5);
  a.requested_analyzer = row.text(6);
  KWB_ASSIGN_OR_RETURN(streams, row.int64(7));
  KWB_ASSIGN_OR_RETURN(critical, row.int64(8));
  KWB_ASSIGN_OR_RETURN(warning, row.int64(9));
  KWB_ASSIGN_OR_RETURN(info, row.int64(10));
  a.stream_count = static_cast<int>(streams);
  a.critical_count = static_cast<int>(critical);
  a.warning_count = static_cast<int>(warning);
  a.info_count = static_cast<int>(info);
  if (!row.is_null(11)) a.error = row.text(11);
  a.created_by = row.text(12);
  KWB_ASSIGN_OR_RETURN(created, row.int64(13));
  a.created_at = from_millis(created);
  if (!row.is_null(14)) {
    KWB_ASSIGN_OR_RETURN(finished, row.int64(14));
    a.finished_at = from_millis(finished);
  }
  return a;
}

class SqlAnalysisRepository final : public AnalysisRepository {
 public:
  SqlAnalysisRepository(SerializedConnection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<Analysis> create(const NewAnalysis& analysis) override {
    if (analysis.id.empty()) return Error::invalid_input("id", "an analysis needs an id");
    KWB_ASSIGN_OR_RETURN(request, object_text(analysis.request, "request"));
    KWB_ASSIGN_OR_RETURN(progress, object_text(analysis.progress, "progress"));
    auto result = db_.query(
        "INSERT INTO analyses (id, status, request, progress, requested_analyzer, stream_count, created_by, "
        "created_at) VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7) RETURNING " + analysis_columns(true),
        {analysis.id, request, progress, analysis.requested_analyzer, std::int64_t{analysis.stream_count},
         analysis.created_by, to_millis(clock_.now())});
    if (!result) {
      Error error = std::move(result).error();
      if (error.kind == ErrorKind::kConflict) error.message = "analysis '" + analysis.id + "' already exists";
      return error;
    }
    if (result->rows.empty()) return Error::internal("INSERT ... RETURNING gave no row");
    return analysis_from_row(result->rows.front());
  }

  Result<std::optional<Analysis>> get(std::string_view id) override {
    auto result = db_.query("SELECT " + analysis_columns(true) + " FROM analyses WHERE id = $1", {std::string(id)});
    if (!result) return std::move(result).error();
    if (result->rows.empty()) return std::optional<Analysis>();
    KWB_ASSIGN_OR_RETURN(analysis, analysis_from_row(result->rows.front()));
    return std::optional<Analysis>(std::move(analysis));
  }

  Result<std::vector<Analysis>> list_recent(int limit) override {
    std::vector<Analysis> out;
    if (limit <= 0) return out;
    auto result = db_.query("SELECT " + analysis_columns(false) +
                                " FROM analyses ORDER BY created_at DESC, id DESC LIMIT $1",
                            {std::int64_t{limit}});
    if (!result) return std::move(result).error();
    out.reserve(result->rows.size());
    for (const SqlRow& row : result->rows) {
      KWB_ASSIGN_OR_RETURN(analysis, analysis_from_row(row));
      out.push_back(std::move(analysis));
    }
    return out;
  }

  Status mark_running(std::string_view id, const nlohmann::json& progress) override {
    KWB_ASSIGN_OR_RETURN(text, object_text(progress, "progress"));
    auto result = db_.query("UPDATE analyses SET status = 'running', progress = $2 WHERE id = $1 AND status = 'queued'",
                            {std::string(id), text});
    return transition_result(result, id, "queued");
  }

  Status update_progress(std::string_view id, const nlohmann::json& progress, int stream_count) override {
    KWB_ASSIGN_OR_RETURN(text, object_text(progress, "progress"));
    auto result = db_.query(
        "UPDATE analyses SET progress = $2, stream_count = CASE WHEN $3 > 0 THEN $3 ELSE stream_count END "
        "WHERE id = $1 AND status = 'running'",
        {std::string(id), text, std::int64_t{stream_count}});
    return transition_result(result, id, "running");
  }

  Status finish_succeeded(std::string_view id, const AnalysisOutcome& outcome, const nlohmann::json& progress) override {
    KWB_ASSIGN_OR_RETURN(report, json_text(outcome.report, "report"));
    KWB_ASSIGN_OR_RETURN(progress_text, object_text(progress, "progress"));
    auto result = db_.query(
        "UPDATE analyses SET status = 'succeeded', report = $2, analyzer = $3, stream_count = $4, "
        "critical_count = $5, warning_count = $6, info_count = $7, progress = $8, finished_at = $9 "
        "WHERE id = $1 AND status = 'running'",
        {std::string(id), report, outcome.analyzer, std::int64_t{outcome.stream_count},
         std::int64_t{outcome.critical_count}, std::int64_t{outcome.warning_count}, std::int64_t{outcome.info_count},
         progress_text, to_millis(clock_.now())});
    return transition_result(result, id, "running");
  }

  Status finish_failed(std::string_view id, std::string_view error) override {
    auto result = db_.query(
        "UPDATE analyses SET status = 'failed', error = $2, finished_at = $3 "
        "WHERE id = $1 AND status IN ('queued', 'running')",
        {std::string(id), std::string(error), to_millis(clock_.now())});
    return transition_result(result, id, "queued or running");
  }

  Result<std::int64_t> fail_unfinished(std::string_view error) override {
    auto result = db_.query(
        "UPDATE analyses SET status = 'failed', error = $1, finished_at = $2 WHERE status IN ('queued', 'running')",
        {std::string(error), to_millis(clock_.now())});
    if (!result) return std::move(result).error();
    return result->affected_rows;
  }

 private:
  // No row changed: either there is no such analysis, or it is not in the state the transition
  // starts from.
  Status transition_result(const Result<SqlResult>& result, std::string_view id, std::string_view from) {
    if (!result) return result.error();
    if (result->affected_rows > 0) return ok_status();
    auto existing = db_.query("SELECT status FROM analyses WHERE id = $1", {std::string(id)});
    if (!existing) return existing.error();
    if (existing->rows.empty()) return Error::not_found("analysis '" + std::string(id) + "' not found");
    return Error{ErrorKind::kConflict, "InvalidState",
                 "analysis '" + std::string(id) + "' is " + existing->rows.front().text(0) + ", not " +
                     std::string(from),
                 409, ""};
  }

  SerializedConnection& db_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<UserRepository> make_user_repository(SerializedConnection& db, const Clock& clock) {
  return std::make_unique<SqlUserRepository>(db, clock);
}
std::unique_ptr<ResourceRepository> make_resource_repository(SerializedConnection& db, const Clock& clock) {
  return std::make_unique<SqlResourceRepository>(db, clock);
}
std::unique_ptr<AuditRepository> make_audit_repository(SerializedConnection& db, const Clock& clock) {
  return std::make_unique<SqlAuditRepository>(db, clock);
}
std::unique_ptr<TokenRevocationRepository> make_token_revocation_repository(SerializedConnection& db,
                                                                             const Clock& clock) {
  return std::make_unique<SqlTokenRevocationRepository>(db, clock);
}
std::unique_ptr<AnalysisRepository> make_analysis_repository(SerializedConnection& db, const Clock& clock) {
  return std::make_unique<SqlAnalysisRepository>(db, clock);
}

}  // namespace kwb::store
