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

// ---------------------------------------------------------------------------------------------
// analyses

// One analysis run of `kwb serve` (POST /api/analyses): its request, live progress and, once it
// has succeeded, the report (the JSON `kwb analyze --output json` prints).
struct Analysis {
  std::string id;      // opaque, chosen by the caller (the server makes a random hex id)
  std::string status;  // "queued" | "running" | "succeeded" | "failed"
  nlohmann::json request = nlohmann::json::object();   // {selector..., window, analyzer}
  nlohmann::json progress = nlohmann::json::object();  // {phase, done, total}
  std::optional<nlohmann::json> report;                // set once succeeded
  std::optional<std::string> analyzer;                 // "rules" | "llm", set once succeeded
  std::string requested_analyzer;                      // "auto" | "rules" | "llm"
  int stream_count = 0;
  int critical_count = 0;
  int warning_count = 0;
  int info_count = 0;
  std::optional<std::string> error;  // set once failed
  std::string created_by;
  SystemTimePoint created_at{};
  std::optional<SystemTimePoint> finished_at;
};

struct NewAnalysis {
  std::string id;
  nlohmann::json request = nlohmann::json::object();
  nlohmann::json progress = nlohmann::json::object();
  std::string requested_analyzer;
  int stream_count = 0;  // 0 when not known before the run (all streams, by tag)
  std::string created_by;
};

// What a successful run stores.
struct AnalysisOutcome {
  nlohmann::json report;
  std::string analyzer;
  int stream_count = 0;
  int critical_count = 0;
  int warning_count = 0;
  int info_count = 0;
};

// Purpose: the `analyses` table. Owned by the Store. Thread-safe.
//
// Status moves queued -> running -> succeeded | failed and never back: the transitions are
// conditional UPDATEs (WHERE status = ...), so a row that a restart already marked failed cannot be
// revived by a late worker, and kConflict says so.
class AnalysisRepository {
 public:
  virtual ~AnalysisRepository() = default;
  // Inserts with status "queued". kConflict when the id exists.
  [[nodiscard]] virtual Result<Analysis> create(const NewAnalysis& analysis) = 0;
  [[nodiscard]] virtual Result<std::optional<Analysis>> get(std::string_view id) = 0;
  // Newest first, at most `limit` (<= 0 gives none). Rows come WITHOUT their report (it can be
  // large and listings do not show it).
  [[nodiscard]] virtual Result<std::vector<Analysis>> list_recent(int limit) = 0;
  // queued -> running. kConflict when the row is not queued; kNotFound when there is none.
  [[nodiscard]] virtual Status mark_running(std::string_view id, const nlohmann::json& progress) = 0;
  // Replaces the progress of a running row (stream_count too when > 0).
  [[nodiscard]] virtual Status update_progress(std::string_view id, const nlohmann::json& progress,
                                               int stream_count) = 0;
  // running -> succeeded, with the report and counts; finished_at is the Store clock's now.
  [[nodiscard]] virtual Status finish_succeeded(std::string_view id, const AnalysisOutcome& outcome,
                                                const nlohmann::json& progress) = 0;
  // queued|running -> failed with the message; finished_at is now.
  [[nodiscard]] virtual Status finish_failed(std::string_view id, std::string_view error) = 0;
  // Marks every queued or running row failed with `error` (at start-up: no worker of a previous
  // process will finish them). Returns how many.
  [[nodiscard]] virtual Result<std::int64_t> fail_unfinished(std::string_view error) = 0;
};

}  // namespace kwb::store
