// One suite for every store backend. Each TEST_P runs once on SQLite (a fresh temp dir) and once
// on PostgreSQL (a fresh schema in the database named by KWB_TEST_DATABASE_URL, dropped after).

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "store/backends.h"
#include "store/migrations.h"
#include "store/store.h"

namespace kwb::store {
namespace {

using namespace std::chrono_literals;

enum class Backend { kSqlite, kPostgres };

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return (value != nullptr && *value != '\0') ? value : nullptr;
}

// Runs one parameterless statement on its own libpq connection (schema setup and teardown,
// outside the code under test).
std::string pg_exec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "drop cascades to ..." is expected
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(conn);
  return error;
}

// Injection-shaped text: stored and returned verbatim, never executed.
const std::string kEvilName = "evil'); DROP TABLE users; --";
const std::string kEvilTagKey = "k\"'); DELETE FROM aws_resources WHERE ('1'='1";
const std::string kEvilTagValue = "Robert'); DROP TABLE aws_resources;-- $1 ? :name \\ %s 名前";

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      std::string pattern = (std::filesystem::temp_directory_path() / "kwb-store-test-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      temp_dir_ = pattern;
      url_ = "";  // the default: <data_dir>/kwb.db
    } else {
      const char* base = env("KWB_TEST_DATABASE_URL");
      if (base == nullptr) {
        const char* message =
            "KWB_TEST_DATABASE_URL is not set; start a throwaway server with "
            "`eval \"$(scripts/test_services.sh start)\"` to run the PostgreSQL cases";
        if (env("KWB_TEST_REQUIRE_POSTGRES") != nullptr) FAIL() << message;
        GTEST_SKIP() << message;
      }
      base_url_ = base;
      // A schema per test keeps runs independent, even when the unit and integration runs of
      // this suite share one database at the same time.
      static std::atomic<int> counter{0};
      schema_ = "kwb_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
      const std::string error = pg_exec(base_url_, "CREATE SCHEMA " + schema_);
      ASSERT_EQ(error, "") << "cannot create test schema";
      url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
    }
    open();
  }

  void TearDown() override {
    store_.reset();
    if (!temp_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir_, ec);
    }
    if (!schema_.empty()) {
      EXPECT_EQ(pg_exec(base_url_, "DROP SCHEMA " + schema_ + " CASCADE"), "");
    }
  }

  void open() {
    store_.reset();
    auto store = open_store(url_, temp_dir_, clock_);
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(*store);
  }

  Result<std::unique_ptr<SqlConnection>> raw_connection() {
    if (GetParam() == Backend::kSqlite) return open_sqlite(temp_dir_ / "kwb.db");
    return open_postgres(url_);
  }

  AwsResourceUpsert stream(const std::string& name) {
    AwsResourceUpsert r;
    r.resource_type = "kinesis:stream";
    r.name = name;
    r.arn = "arn:aws:kinesis:us-east-1:123456789012:stream/" + name;
    r.region = "us-east-1";
    r.account_id = "123456789012";
    r.status = "CREATING";
    r.config = {{"shard_count", 2}, {"mode", "PROVISIONED"}, {"retention_hours", 24}};
    r.tags = {{"team", "data"}};
    r.created_by = "alice";
    return r;
  }

  ManualClock clock_{SystemTimePoint(std::chrono::seconds(1'700'000'000))};
  std::filesystem::path temp_dir_;
  std::string base_url_;
  std::string schema_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, MigrationsRunOnceAndReopenKeepsData) {
  EXPECT_EQ(store_->schema_version(), 2);
  EXPECT_EQ(store_->backend_name(), GetParam() == Backend::kSqlite ? "sqlite" : "postgres");
  ASSERT_TRUE(store_->ping().ok());
  ASSERT_TRUE(store_->users().create({"alice", "hash", "admin", false}).ok());
  open();  // migrations run again and must find nothing to do
  EXPECT_EQ(store_->schema_version(), 2);
  auto count = store_->users().count();
  ASSERT_TRUE(count.ok()) << count.error();
  EXPECT_EQ(*count, 1);

  auto connection = raw_connection();
  ASSERT_TRUE(connection.ok()) << connection.error();
  auto rows = (*connection)->query("SELECT version, description FROM schema_migrations ORDER BY version", {});
  ASSERT_TRUE(rows.ok()) << rows.error();
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0].text(0), "1");
  EXPECT_EQ(rows->rows[1].text(0), "2");
}

TEST_P(StoreTest, SchemaNewerThanThisBuildIsRefused) {
  auto connection = raw_connection();
  ASSERT_TRUE(connection.ok()) << connection.error();
  // A build that knows no migrations sees a database at version 1 as "from the future".
  auto version = run_migrations(**connection, {}, clock_);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.error().kind, ErrorKind::kConfig);
  EXPECT_NE(version.error().message.find("newer"), std::string::npos) << version.error();
}

TEST_P(StoreTest, UsersCreateFindListAndUpdate) {
  UserRepository& users = store_->users();
  auto alice = users.create({"alice", "hash-a", "admin", false});
  ASSERT_TRUE(alice.ok()) << alice.error();
  EXPECT_GT(alice->id, 0);
  EXPECT_EQ(alice->role, "admin");
  EXPECT_FALSE(alice->disabled);
  EXPECT_FALSE(alice->password_changed);
  EXPECT_EQ(alice->created_at, clock_.now());

  auto bob = users.create({"bob", "hash-b", "viewer", true});
  ASSERT_TRUE(bob.ok()) << bob.error();
  EXPECT_NE(bob->id, alice->id);
  EXPECT_TRUE(bob->password_changed);

  auto duplicate = users.create({"alice", "other", "viewer", false});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().kind, ErrorKind::kConflict) << duplicate.error();
  EXPECT_EQ(duplicate.error().field, "username");

  auto bad_role = users.create({"carol", "h", "superuser", false});
  ASSERT_FALSE(bad_role.ok());
  EXPECT_EQ(bad_role.error().kind, ErrorKind::kInvalidInput) << bad_role.error();
  EXPECT_EQ(bad_role.error().field, "role");

  auto found = users.find_by_name("alice");
  ASSERT_TRUE(found.ok()) << found.error();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, alice->id);
  EXPECT_EQ((*found)->password_hash, "hash-a");

  auto missing = users.find_by_name("nobody");
  ASSERT_TRUE(missing.ok()) << missing.error();
  EXPECT_FALSE(missing->has_value());
  auto by_id = users.find_by_id(bob->id);
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  EXPECT_EQ((*by_id)->username, "bob");

  clock_.advance(5s);
  ASSERT_TRUE(users.set_password_hash(alice->id, "hash-a2", true).ok());
  ASSERT_TRUE(users.set_disabled(bob->id, true).ok());
  ASSERT_TRUE(users.set_role(bob->id, "operator").ok());
  Status bad = users.set_role(bob->id, "root");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
  Status nobody = users.set_disabled(999999, true);
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().kind, ErrorKind::kNotFound);

  auto list = users.list();
  ASSERT_TRUE(list.ok()) << list.error();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].username, "alice");
  EXPECT_EQ((*list)[0].password_hash, "hash-a2");
  EXPECT_TRUE((*list)[0].password_changed);
  EXPECT_EQ((*list)[0].updated_at, clock_.now());
  EXPECT_EQ((*list)[0].created_at, clock_.now() - 5s);
  EXPECT_EQ((*list)[1].username, "bob");
  EXPECT_TRUE((*list)[1].disabled);
  EXPECT_EQ((*list)[1].role, "operator");
}

TEST_P(StoreTest, ResourceUpsertUpdatesTheLiveRowAndKeepsItsOrigin) {
  ResourceRepository& resources = store_->resources();
  auto created = resources.upsert(stream("orders"));
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(created->status, "CREATING");
  EXPECT_EQ(created->config["shard_count"], 2);
  EXPECT_FALSE(created->deleted_at.has_value());

  clock_.advance(10s);
  AwsResourceUpsert update = stream("orders");
  update.status = "ACTIVE";
  update.config["shard_count"] = 4;
  update.tags = {{"team", "data"}, {"env", "prod"}};
  update.created_by = "mallory";  // an update must not rewrite who created it
  auto updated = resources.upsert(update);
  ASSERT_TRUE(updated.ok()) << updated.error();
  EXPECT_EQ(updated->id, created->id);
  EXPECT_EQ(updated->status, "ACTIVE");
  EXPECT_EQ(updated->config["shard_count"], 4);
  EXPECT_EQ(updated->tags, (nlohmann::json{{"team", "data"}, {"env", "prod"}}));
  EXPECT_EQ(updated->created_by, "alice");
  EXPECT_EQ(updated->created_at, created->created_at);
  EXPECT_EQ(updated->updated_at, created->created_at + 10s);

  // Same name in another region is another resource.
  AwsResourceUpsert other_region = stream("orders");
  other_region.region = "eu-west-1";
  auto second = resources.upsert(other_region);
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_NE(second->id, created->id);

  auto live = resources.find_live("kinesis:stream", "us-east-1", "123456789012", "orders");
  ASSERT_TRUE(live.ok() && live->has_value());
  EXPECT_EQ((*live)->id, created->id);

  AwsResourceUpsert not_object = stream("bad");
  not_object.tags = nlohmann::json::array({"a"});
  auto rejected = resources.upsert(not_object);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().field, "tags");
}

TEST_P(StoreTest, ResourceListFiltersAndMarkDeleted) {
  ResourceRepository& resources = store_->resources();
  auto a = resources.upsert(stream("alpha"));
  auto b = resources.upsert(stream("beta"));
  AwsResourceUpsert alarm = stream("alpha-alarm");
  alarm.resource_type = "cloudwatch:alarm";
  auto c = resources.upsert(alarm);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());

  auto all = resources.list({});
  ASSERT_TRUE(all.ok()) << all.error();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "alpha");
  EXPECT_EQ((*all)[1].name, "alpha-alarm");

  auto streams = resources.list({.resource_type = "kinesis:stream"});
  ASSERT_TRUE(streams.ok()) << streams.error();
  ASSERT_EQ(streams->size(), 2u);

  clock_.advance(1min);
  ASSERT_TRUE(resources.mark_deleted(a->id).ok());
  Status again = resources.mark_deleted(a->id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kNotFound);

  auto live = resources.list({.resource_type = "kinesis:stream"});
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].name, "beta");

  auto with_deleted = resources.list({.resource_type = "kinesis:stream", .include_deleted = true});
  ASSERT_TRUE(with_deleted.ok());
  ASSERT_EQ(with_deleted->size(), 2u);
  EXPECT_EQ((*with_deleted)[0].status, "DELETED");
  ASSERT_TRUE((*with_deleted)[0].deleted_at.has_value());
  EXPECT_EQ(*(*with_deleted)[0].deleted_at, clock_.now());

  // Recreating a deleted stream records a new row; the old one stays as history.
  auto recreated = resources.upsert(stream("alpha"));
  ASSERT_TRUE(recreated.ok()) << recreated.error();
  EXPECT_NE(recreated->id, a->id);
  auto history = resources.get(a->id);
  ASSERT_TRUE(history.ok() && history->has_value());
  EXPECT_TRUE((*history)->deleted_at.has_value());
  auto none = resources.get(424242);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreTest, InjectionShapedTextIsStoredAndReturnedVerbatim) {
  auto user = store_->users().create({kEvilName, kEvilTagValue, "viewer", false});
  ASSERT_TRUE(user.ok()) << user.error();
  auto found = store_->users().find_by_name(kEvilName);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->username, kEvilName);
  EXPECT_EQ((*found)->password_hash, kEvilTagValue);

  AwsResourceUpsert evil = stream(kEvilName);
  evil.tags = {{kEvilTagKey, kEvilTagValue}, {"empty", ""}};
  evil.created_by = kEvilName;
  auto stored = store_->resources().upsert(evil);
  ASSERT_TRUE(stored.ok()) << stored.error();
  auto back = store_->resources().get(stored->id);
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((*back)->name, kEvilName);
  EXPECT_EQ((*back)->tags.at(kEvilTagKey), kEvilTagValue);
  EXPECT_EQ((*back)->created_by, kEvilName);

  auto audit = store_->audit().append({kEvilName, "stream.create", kEvilName, "ok", {{"tags", evil.tags}}});
  ASSERT_TRUE(audit.ok()) << audit.error();

  // Nothing was executed: every table is still there with exactly what we put in.
  auto count = store_->users().count();
  ASSERT_TRUE(count.ok()) << count.error();
  EXPECT_EQ(*count, 1);
  auto all = store_->resources().list({.include_deleted = true});
  ASSERT_TRUE(all.ok()) << all.error();
  EXPECT_EQ(all->size(), 1u);
  auto recent = store_->audit().list_recent(10);
  ASSERT_TRUE(recent.ok()) << recent.error();
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].detail["tags"][kEvilTagKey], kEvilTagValue);
}

TEST_P(StoreTest, NulBytesAreRefusedAlike) {
  auto user = store_->users().create({std::string("nul\0name", 8), "h", "viewer", false});
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().kind, ErrorKind::kInvalidInput) << user.error();
}

TEST_P(StoreTest, AuditListsNewestFirstWithALimit) {
  AuditRepository& audit = store_->audit();
  for (int i = 0; i < 5; ++i) {
    auto entry = audit.append({"alice", "stream.create", "s" + std::to_string(i), "ok", {{"i", i}}});
    ASSERT_TRUE(entry.ok()) << entry.error();
    EXPECT_EQ(entry->at, clock_.now());
    if (i % 2 == 0) clock_.advance(1s);  // some entries share a millisecond: id breaks the tie
  }
  auto recent = audit.list_recent(3);
  ASSERT_TRUE(recent.ok()) << recent.error();
  ASSERT_EQ(recent->size(), 3u);
  EXPECT_EQ((*recent)[0].target, "s4");
  EXPECT_EQ((*recent)[1].target, "s3");
  EXPECT_EQ((*recent)[2].target, "s2");
  EXPECT_EQ((*recent)[0].detail, (nlohmann::json{{"i", 4}}));
  EXPECT_EQ((*recent)[0].actor, "alice");
  EXPECT_EQ((*recent)[0].outcome, "ok");

  auto none = audit.list_recent(0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto null_detail = audit.append({"bob", "auth.login", "bob", "denied", nullptr});
  ASSERT_TRUE(null_detail.ok()) << null_detail.error();
  EXPECT_TRUE(null_detail->detail.is_null());
}

TEST_P(StoreTest, TokenRevocationUntilExpiry) {
  TokenRevocationRepository& revoked = store_->revocations();
  auto before = revoked.is_revoked("jti-1");
  ASSERT_TRUE(before.ok()) << before.error();
  EXPECT_FALSE(*before);

  ASSERT_TRUE(revoked.revoke("jti-1", clock_.now() + 1h).ok());
  ASSERT_TRUE(revoked.revoke("jti-1", clock_.now() + 1h).ok());  // twice is fine
  ASSERT_TRUE(revoked.revoke("jti-2", clock_.now() + 2h).ok());
  ASSERT_FALSE(revoked.revoke("", clock_.now() + 2h).ok());
  auto after = revoked.is_revoked("jti-1");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);

  clock_.advance(1h);
  auto purged = revoked.purge_expired();
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(*revoked.is_revoked("jti-1"));
  EXPECT_TRUE(*revoked.is_revoked("jti-2"));
}

TEST_P(StoreTest, ConcurrentCallersShareOneStore) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!store_->audit().append({"t" + std::to_string(t), "x", std::to_string(i), "ok", nullptr}).ok()) ++failures;
        if (!store_->revocations().is_revoked("nope").ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto all = store_->audit().list_recent(1000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST_P(StoreTest, AnalysesMoveQueuedRunningSucceededAndListNewestFirst) {
  AnalysisRepository& analyses = store_->analyses();
  NewAnalysis first{"a1", {{"streams", {"s1", kEvilName}}, {"window", "3h"}}, {{"phase", "describe"}, {"done", 0}, {"total", 2}},
                    "auto", 2, "alice"};
  auto created = analyses.create(first);
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(created->status, "queued");
  EXPECT_EQ(created->request, first.request);
  EXPECT_FALSE(created->report.has_value());
  EXPECT_FALSE(created->analyzer.has_value());
  EXPECT_FALSE(created->finished_at.has_value());
  EXPECT_EQ(created->created_at, clock_.now());
  auto duplicate = analyses.create(first);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().kind, ErrorKind::kConflict);

  // Progress only moves a running row.
  EXPECT_EQ(analyses.update_progress("a1", {{"phase", "metrics"}}, 0).error().kind, ErrorKind::kConflict);
  ASSERT_TRUE(analyses.mark_running("a1", {{"phase", "describe"}, {"done", 0}, {"total", 2}}).ok());
  EXPECT_EQ(analyses.mark_running("a1", nlohmann::json::object()).error().kind, ErrorKind::kConflict);
  EXPECT_EQ(analyses.mark_running("nope", nlohmann::json::object()).error().kind, ErrorKind::kNotFound);
  ASSERT_TRUE(analyses.update_progress("a1", {{"phase", "metrics"}, {"done", 1}, {"total", 3}}, 0).ok());
  auto running = analyses.get("a1");
  ASSERT_TRUE(running.ok() && running->has_value());
  EXPECT_EQ((*running)->status, "running");
  EXPECT_EQ((*running)->progress, (nlohmann::json{{"phase", "metrics"}, {"done", 1}, {"total", 3}}));
  EXPECT_EQ((*running)->stream_count, 2);  // 0 keeps the known count

  clock_.advance(5s);
  AnalysisOutcome outcome{{{"analyzer", "rules"}, {"streams", nlohmann::json::array({{{"stream", kEvilName}}})}},
                          "rules", 2, 1, 2, 3};
  ASSERT_TRUE(analyses.finish_succeeded("a1", outcome, {{"phase", "done"}, {"done", 2}, {"total", 2}}).ok());
  EXPECT_EQ(analyses.finish_failed("a1", "late").error().kind, ErrorKind::kConflict);  // finished stays finished
  auto done = analyses.get("a1");
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_EQ((*done)->status, "succeeded");
  ASSERT_TRUE((*done)->report.has_value());
  EXPECT_EQ(*(*done)->report, outcome.report);
  EXPECT_EQ((*done)->analyzer, std::optional<std::string>("rules"));
  EXPECT_EQ((*done)->critical_count, 1);
  EXPECT_EQ((*done)->warning_count, 2);
  EXPECT_EQ((*done)->info_count, 3);
  EXPECT_EQ((*done)->finished_at, std::optional<SystemTimePoint>(clock_.now()));
  EXPECT_FALSE((*done)->error.has_value());

  clock_.advance(1s);
  ASSERT_TRUE(analyses.create({"a2", {{"all", true}}, nlohmann::json::object(), "rules", 0, "bob"}).ok());
  ASSERT_TRUE(analyses.finish_failed("a2", "stream not found: x").ok());
  clock_.advance(1s);
  ASSERT_TRUE(analyses.create({"a3", {{"all", true}}, nlohmann::json::object(), "llm", 0, "bob"}).ok());

  auto listed = analyses.list_recent(2);
  ASSERT_TRUE(listed.ok()) << listed.error();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "a3");
  EXPECT_EQ((*listed)[1].id, "a2");
  EXPECT_EQ((*listed)[1].status, "failed");
  EXPECT_EQ((*listed)[1].error, std::optional<std::string>("stream not found: x"));
  auto all = analyses.list_recent(10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_FALSE((*all)[2].report.has_value()) << "listings leave the report out";
  EXPECT_EQ((*all)[2].critical_count, 1);
}

TEST_P(StoreTest, AnalysesLeftUnfinishedByACrashAreFailedOnRequest) {
  AnalysisRepository& analyses = store_->analyses();
  ASSERT_TRUE(analyses.create({"q", nlohmann::json::object(), nlohmann::json::object(), "auto", 0, "a"}).ok());
  ASSERT_TRUE(analyses.create({"r", nlohmann::json::object(), nlohmann::json::object(), "auto", 0, "a"}).ok());
  ASSERT_TRUE(analyses.mark_running("r", nlohmann::json::object()).ok());
  ASSERT_TRUE(analyses.create({"s", nlohmann::json::object(), nlohmann::json::object(), "auto", 0, "a"}).ok());
  ASSERT_TRUE(analyses.mark_running("s", nlohmann::json::object()).ok());
  ASSERT_TRUE(analyses.finish_succeeded("s", {nlohmann::json::object(), "rules", 0, 0, 0, 0}, nlohmann::json::object()).ok());
  open();  // a restart
  auto failed = store_->analyses().fail_unfinished("the server restarted");
  ASSERT_TRUE(failed.ok()) << failed.error();
  EXPECT_EQ(*failed, 2);
  for (const char* id : {"q", "r"}) {
    auto row = store_->analyses().get(id);
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ((*row)->status, "failed") << id;
    EXPECT_EQ((*row)->error, std::optional<std::string>("the server restarted"));
    EXPECT_TRUE((*row)->finished_at.has_value());
  }
  auto kept = store_->analyses().get("s");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->status, "succeeded");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? std::string("Sqlite") : std::string("Postgres");
                         });

// ---- SQLite specifics and URL handling (no database server needed) ----

TEST(OpenStore, SqliteFileIsInWalModeWithForeignKeys) {
  std::string pattern = (std::filesystem::temp_directory_path() / "kwb-store-test-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path dir = std::filesystem::path(pattern) / "nested" / "data";
  {
    auto store = open_store("", dir);
    ASSERT_TRUE(store.ok()) << store.error();
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "kwb.db"));
  auto connection = open_sqlite(dir / "kwb.db");
  ASSERT_TRUE(connection.ok()) << connection.error();
  auto mode = (*connection)->query("PRAGMA journal_mode", {});
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(mode->rows.at(0).text(0), "wal");
  auto keys = (*connection)->query("PRAGMA foreign_keys", {});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->rows.at(0).text(0), "1");

  // An explicit sqlite:/// URL names the same file.
  auto again = open_store("sqlite://" + (dir / "kwb.db").string(), "/nonexistent");
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ((*again)->schema_version(), 2);
  std::filesystem::remove_all(pattern);
}

TEST(OpenStore, InMemorySqliteWorks) {
  auto store = open_store("sqlite://:memory:", "/nonexistent");
  ASSERT_TRUE(store.ok()) << store.error();
  EXPECT_TRUE((*store)->users().create({"a", "h", "viewer", false}).ok());
}

TEST(OpenStore, UnknownSchemeIsAConfigErrorThatHidesThePassword) {
  auto store = open_store("mysql://root:hunter2@db/kwb", "/nonexistent");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::kConfig);
  EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos) << store.error();
}

TEST(OpenStore, UnreachablePostgresIsANetworkError) {
  // Port 1 on loopback: nothing listens there, so the connect fails at once.
  auto store = open_store("postgresql://kwb:hunter2@127.0.0.1:1/kwb?connect_timeout=2", "/nonexistent");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::kNetwork) << store.error();
  EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos) << store.error();
}

TEST(RedactDatabaseUrl, HidesPasswords) {
  EXPECT_EQ(redact_database_url("postgresql://kwb:s3cret@db:5432/kwb"), "postgresql://kwb:****@db:5432/kwb");
  EXPECT_EQ(redact_database_url("postgres://kwb@db/kwb"), "postgres://kwb@db/kwb");
  EXPECT_EQ(redact_database_url("postgres://db/kwb?user=a&password=s3cret&sslmode=require"),
            "postgres://db/kwb?user=a&password=****&sslmode=require");
  EXPECT_EQ(redact_database_url("sqlite:///var/lib/kwb/kwb.db"), "sqlite:///var/lib/kwb/kwb.db");
}

}  // namespace
}  // namespace kwb::store
