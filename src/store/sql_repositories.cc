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

}  // namespace kwb::store
