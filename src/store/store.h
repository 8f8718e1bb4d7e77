#pragma once
// The entry point of the store module: open_store() picks a backend from a URL, runs the
// migrations and returns a Store that hands out the repositories (repositories.h).
//
//   auto store = kwb::store::open_store(config.database_url, config.data_dir);
//   if (!store) return store.error();
//   auto admin = (*store)->users().find_by_name("admin");

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/repositories.h"

namespace kwb::store {

class SqlConnection;
class SerializedConnection;

// Purpose: owns one database connection and the repositories built on it.
// Ownership: open_store() returns it in a unique_ptr; repositories are references into it and
// must not outlive it. The Clock passed to open_store() must outlive it too.
// Thread safety: every method of the Store and of its repositories may be called from any
// thread. They share ONE connection guarded by one mutex, so calls are serialised; each call is
// one short statement, which is plenty for a workbench's control plane. (A connection pool is the
// upgrade path if that ever shows up in a profile; the interfaces would not change.) Several
// processes may share one database: SQLite through WAL plus a busy timeout, PostgreSQL natively.
class Store {
 public:
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  UserRepository& users();
  ResourceRepository& resources();
  AuditRepository& audit();
  TokenRevocationRepository& revocations();
  AnalysisRepository& analyses();

  // "sqlite" or "postgres", for logs and /readyz.
  [[nodiscard]] std::string_view backend_name() const;
  // The schema version after migrations ran.
  [[nodiscard]] int schema_version() const { return schema_version_; }
  // A trivial round trip ("SELECT 1"), for readiness probes.
  [[nodiscard]] Status ping();

 private:
  friend Result<std::unique_ptr<Store>> open_store(std::string_view, const std::filesystem::path&, const Clock&);
  Store(std::unique_ptr<SqlConnection> connection, const Clock& clock, int schema_version);

  std::unique_ptr<SerializedConnection> connection_;
  std::unique_ptr<UserRepository> users_;
  std::unique_ptr<ResourceRepository> resources_;
  std::unique_ptr<AuditRepository> audit_;
  std::unique_ptr<TokenRevocationRepository> revocations_;
  std::unique_ptr<AnalysisRepository> analyses_;
  std::string_view backend_name_;
  int schema_version_ = 0;
};

// Opens the database named by `url` and brings its schema up to date.
//   ""                       -> SQLite file <data_dir>/kwb.db (data_dir is created if missing)
//   "sqlite:///abs/path.db"  -> SQLite file /abs/path.db
//   "sqlite://rel/path.db"   -> SQLite file rel/path.db (relative to the working directory)
//   "sqlite://:memory:"      -> a private in-memory SQLite database (tests)
//   "postgres://..." or "postgresql://..." -> PostgreSQL through libpq
// Errors: kConfig for an unknown scheme, kIo/kNetwork when the database cannot be opened,
// kConfig when the schema is newer than this build.
[[nodiscard]] Result<std::unique_ptr<Store>> open_store(std::string_view url, const std::filesystem::path& data_dir,
                                                        const Clock& clock = SystemClock::instance());

// The URL with any password replaced by "****", for logs ("postgresql://kwb:****@db/kwb").
std::string redact_database_url(std::string_view url);

}  // namespace kwb::store
