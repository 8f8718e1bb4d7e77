#pragma once
// The persistence contract of `kwb serve`: one small interface per table family.
//
// The server and the jobs talk only to these interfaces; which database sits behind them (SQLite
// or PostgreSQL) is decided once, in open_store() (store.h). Every method returns a Result, so a
// lost database connection is an Error the caller can turn into a 503, never an exception.
//
// Conventions shared by every repository:
//   - Time columns are SystemTimePoint here and whole milliseconds since the Unix epoch in the
//     database (BIGINT in both dialects), which sorts, compares and round-trips identically on
//     both backends. The repository takes "now" from the Clock the Store was opened with.
//   - JSON columns (config, tags, detail) are nlohmann::json here. A missing value is `null` for
//     detail and an empty object for config and tags.
//   - "Not there" answers are values (std::nullopt, false, an empty list), not errors; errors
//     mean the database could not answer. Writes that target a missing row return kNotFound.
//   - Unique-key violations (a duplicate user name) return ErrorKind::kConflict.
//
// Thread safety: every repository handed out by a Store may be called from any thread; see
// store.h for how calls are serialised.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace kwb::store {

// ---------------------------------------------------------------------------------------------
// users

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;  // an argon2id string from auth::PasswordHasher; never logged
  std::string role;           // "admin" | "operator" | "viewer" (auth/roles.h parses it)
  bool disabled = false;
  // False while the account still has the password it was bootstrapped or reset with; the server
  // warns (and --production refuses to start) while the admin's stays unchanged.
  bool password_changed = false;
  SystemTimePoint created_at{};
  SystemTimePoint updated_at{};
};

struct NewUser {
  std::string username;
  std::string password_hash;
  std::string role;
  bool password_changed = false;
};

// Purpose: the `users` table. Owned by the Store; callers hold a reference no longer than the
// Store lives. Thread-safe.
class UserRepository {
 public:
  virtual ~UserRepository() = default;
  // kConflict when the username is taken. Returns the stored row (with its id).
  [[nodiscard]] virtual Result<User> create(const NewUser& user) = 0;
  [[nodiscard]] virtual Result<std::optional<User>> find_by_name(std::string_view username) = 0;
  [[nodiscard]] virtual Result<std::optional<User>> find_by_id(std::int64_t id) = 0;
  // Ordered by username.
  [[nodiscard]] virtual Result<std::vector<User>> list() = 0;
  [[nodiscard]] virtual Result<std::int64_t> count() = 0;
  // Sets the hash and the password_changed flag together: a user changing their own password
  // sets it true, an admin resetting someone else's sets it false.
  [[nodiscard]] virtual Status set_password_hash(std::int64_t id, std::string_view password_hash,
                                                 bool password_changed) = 0;
  [[nodiscard]] virtual Status set_disabled(std::int64_t id, bool disabled) = 0;
  [[nodiscard]] virtual Status set_role(std::int64_t id, std::string_view role) = 0;
};

// ---------------------------------------------------------------------------------------------
// aws_resources

struct AwsResource {
  std::int64_t id = 0;
  std::string resource_type;  // e.g. "kinesis:stream"
  std::string name;
  std::string arn;
  std::string region;
  std::string account_id;
  std::string status;              // e.g. "CREATING", "ACTIVE", "DELETED"
  nlohmann::json config = nlohmann::json::object();  // {shard_count, mode, retention_hours, ...}
  nlohmann::json tags = nlohmann::json::object();    // {"key": "value", ...}
  std::string created_by;          // username
  SystemTimePoint created_at{};
  SystemTimePoint updated_at{};
  std::optional<SystemTimePoint> deleted_at;
};

// What a caller supplies to upsert; id and the timestamps are the repository's business.
struct AwsResourceUpsert {
  std::string resource_type;
  std::string name;
  std::string arn;
  std::string region;
  std::string account_id;
  std::string status;
  nlohmann::json config = nlohmann::json::object();
  nlohmann::json tags = nlohmann::json::object();
  std::string created_by;  // used only when the row is created; an update keeps the original
};

struct ResourceFilter {
  std::optional<std::string> resource_type;  // nullopt: every type
  bool include_deleted = false;
};

// Purpose: the `aws_resources` table, our record of what we created in AWS. Owned by the Store.
// Thread-safe.
//
// Identity: among rows that are not deleted, (resource_type, region, account_id, name) is unique
// (a partial unique index enforces it). A deleted row stays as history; creating the same stream
// again later makes a new row.
class ResourceRepository {
 public:
  virtual ~ResourceRepository() = default;
  // Inserts, or updates arn/status/config/tags of the live row with the same identity. Atomic
  // (one INSERT ... ON CONFLICT statement), so two server instances racing on one PostgreSQL end
  // with one row. Returns the stored row.
  [[nodiscard]] virtual Result<AwsResource> upsert(const AwsResourceUpsert& resource) = 0;
  [[nodiscard]] virtual Result<std::optional<AwsResource>> get(std::int64_t id) = 0;
  // The live (not deleted) row with this identity.
  [[nodiscard]] virtual Result<std::optional<AwsResource>> find_live(std::string_view resource_type,
                                                                     std::string_view region,
                                                                     std::string_view account_id,
                                                                     std::string_view name) = 0;
  // Ordered by name, then id.
  [[nodiscard]] virtual Result<std::vector<AwsResource>> list(const ResourceFilter& filter) = 0;
  // Sets deleted_at and status "DELETED". kNotFound when there is no live row with this id.
  [[nodiscard]] virtual Status mark_deleted(std::int64_t id) = 0;
};

// ---------------------------------------------------------------------------------------------
// audit_log

struct AuditEntry {
  std::int64_t id = 0;
  SystemTimePoint at{};
  std::string actor;    // username, or "anonymous" for failed logins
  std::string action;   // e.g. "stream.create", "auth.login"
  std::string target;   // e.g. the stream name or the user acted on
  std::string outcome;  // e.g. "ok", "denied", "error"
  nlohmann::json detail;  // free-form; must never hold a password, token or secret
};

struct NewAuditEntry {
  std::string actor;
  std::string action;
  std::string target;
  std::string outcome;
  nlohmann::json detail;
};

// Purpose: the append-only `audit_log` table. Owned by the Store. Thread-safe.
class AuditRepository {
 public:
  virtual ~AuditRepository() = default;
  // `at` is the Store's clock's now.
  [[nodiscard]] virtual Result<AuditEntry> append(const NewAuditEntry& entry) = 0;
  // Newest first; at most `limit` entries (limit <= 0 gives none).
  [[nodiscard]] virtual Result<std::vector<AuditEntry>> list_recent(int limit) = 0;
};

// ---------------------------------------------------------------------------------------------
// revoked_tokens

// Purpose: the JWT deny-list (`revoked_tokens`), shared by every server instance on one database
// so a logout on one is honoured by all. Owned by the Store. Thread-safe.
class TokenRevocationRepository {
 public:
  virtual ~TokenRevocationRepository() = default;
  // Remembers `jti` until `expires_at` (the token's exp; after that the signature check rejects
  // it anyway, so the row can go). Revoking twice is not an error.
  [[nodiscard]] virtual Status revoke(std::string_view jti, SystemTimePoint expires_at) = 0;
  [[nodiscard]] virtual Result<bool> is_revoked(std::string_view jti) = 0;
  // Deletes rows whose expiry is at or before the Store clock's now; returns how many.
  [[nodiscard]] virtual Result<std::int64_t> purge_expired() = 0;
};

}  // namespace kwb::store
