#pragma once
// Emulator configuration, declared as data: every setting has a default here and bounds checked by
// validate(), so a bad flag fails at start-up with a clear message instead of misbehaving later.
//
// Thread safety: a plain value; the emulator copies it at construction and never changes it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "emulator/signature_verifier.h"

namespace kwb::emulator {

// When the durable log (--data-dir) calls fdatasync:
//   kAlways: before every write is acknowledged (a crash of the process or the machine loses no
//            acknowledged record);
//   kBatch:  at most every fsync_interval_ms, during writes, and at shutdown (a process crash loses
//            nothing, because every write reaches the kernel before it is acknowledged; a machine
//            crash may lose the last interval);
//   kNever:  only at shutdown (the kernel decides).
enum class FsyncMode { kAlways, kBatch, kNever };
std::string_view to_string(FsyncMode mode);
bool parse_fsync_mode(std::string_view text, FsyncMode& out);

// Data-plane and control-plane limits. AWS's documented values are the defaults.
struct LimitsConfig {
  // Per-shard throughput (token buckets). 0 turns one limit off.
  double shard_write_bytes_per_second = 1024.0 * 1024.0;
  double shard_write_records_per_second = 1000;
  double shard_read_bytes_per_second = 2.0 * 1024.0 * 1024.0;
  double shard_read_calls_per_second = 5;
  // A bucket holds this many seconds of its rate, so an idle shard takes a burst of that size.
  double burst_seconds = 1.0;

  // Sizes.
  std::uint32_t max_record_bytes = 1024 * 1024;        // data blob; AWS allows raising to 10 MiB
  std::uint32_t max_put_records_count = 500;
  std::uint32_t max_put_records_bytes = 5 * 1024 * 1024;
  std::uint32_t max_get_records_bytes = 10 * 1024 * 1024;

  // Account limits.
  std::uint32_t shard_limit = 500;            // open shards per account and region
  std::uint32_t on_demand_stream_limit = 50;
  std::uint32_t consumers_per_stream = 20;
  std::uint32_t on_demand_shard_count = 4;    // shards a new ON_DEMAND stream starts with
  std::uint32_t max_shards_per_stream = 10000;
  std::uint32_t update_shard_count_per_day = 10;

  // Control-plane calls per second per account (per stream for GetShardIterator: per shard).
  bool control_plane_limits = true;
  double create_stream_per_second = 5;
  double delete_stream_per_second = 5;
  double describe_stream_per_second = 10;
  double describe_stream_summary_per_second = 20;
  double list_streams_per_second = 5;
  double list_shards_per_second = 1000;
  double get_shard_iterator_per_shard_per_second = 5;
  double other_control_per_second = 5;  // tags, retention, monitoring, encryption, resharding, consumers

  // Turns every data-plane limit off (throughput and per-call sizes stay as AWS's hard caps).
  void disable_data_plane_limits();
};

struct EmulatorConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4567;  // 0: pick a free port
  int threads = 2;
  std::string account_id = "000000000000";
  std::string default_region = "us-east-1";  // when a request carries no SigV4 credential scope

  // Lifecycle delays (CREATING, UPDATING, DELETING), on the injected clock. 0 is allowed.
  std::int64_t create_delay_ms = 50;
  std::int64_t delete_delay_ms = 50;
  std::int64_t update_delay_ms = 100;
  std::int64_t consumer_delay_ms = 50;

  std::int64_t iterator_ttl_ms = 5 * 60 * 1000;  // AWS: 5 minutes
  // How long one SubscribeToShard stream lasts before the client must subscribe again. AWS: 5
  // minutes; tests shorten it.
  std::int64_t subscription_lifetime_ms = 5 * 60 * 1000;
  std::uint64_t max_request_bytes = 10 * 1024 * 1024 + 256 * 1024;  // just over a full PutRecords

  LimitsConfig limits;

  // Storage. Empty data_dir: everything in memory. Otherwise streams and records survive restarts
  // (an append-only log per shard plus a metadata file per stream; see docs/emulator.md).
  std::string data_dir;
  FsyncMode fsync = FsyncMode::kBatch;
  std::int64_t fsync_interval_ms = 100;  // kBatch only

  // SigV4: off by default (any credentials pass). On, requests outside /_kwb/ must be signed by one
  // of access_keys (see signature_verifier.h).
  bool verify_signatures = false;
  std::vector<AccessKey> access_keys;

  // HTTPS with this PEM certificate chain and private key. Both empty with tls on: the caller
  // (run_emulator_foreground) generates a self-signed pair first.
  bool tls = false;
  std::string tls_cert_file;
  std::string tls_key_file;

  // Checks ranges; the error names the setting.
  [[nodiscard]] Status validate() const;
};

}  // namespace kwb::emulator
