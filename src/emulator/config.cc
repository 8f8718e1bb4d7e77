#include "emulator/config.h"

#include <string>

namespace kwb::emulator {

std::string_view to_string(FsyncMode mode) {
  switch (mode) {
    case FsyncMode::kAlways: return "always";
    case FsyncMode::kBatch: return "batch";
    case FsyncMode::kNever: return "never";
  }
  return "batch";
}

bool parse_fsync_mode(std::string_view text, FsyncMode& out) {
  if (text == "always") out = FsyncMode::kAlways;
  else if (text == "batch") out = FsyncMode::kBatch;
  else if (text == "never") out = FsyncMode::kNever;
  else return false;
  return true;
}

void LimitsConfig::disable_data_plane_limits() {
  shard_write_bytes_per_second = 0;
  shard_write_records_per_second = 0;
  shard_read_bytes_per_second = 0;
  shard_read_calls_per_second = 0;
  get_shard_iterator_per_shard_per_second = 0;
}

namespace {
Status out_of_range(const std::string& name, const std::string& bounds) {
  return Error::config("emulator setting " + name + " must be " + bounds);
}
}  // namespace

Status EmulatorConfig::validate() const {
  if (threads < 1 || threads > 64) return out_of_range("threads", "between 1 and 64");
  if (account_id.size() != 12 || account_id.find_first_not_of("0123456789") != std::string::npos) {
    return out_of_range("account-id", "12 digits");
  }
  if (default_region.empty()) return out_of_range("region", "non-empty");
  for (auto [name, value] : {std::pair{"create-delay-ms", create_delay_ms}, {"delete-delay-ms", delete_delay_ms},
                             {"update-delay-ms", update_delay_ms}, {"consumer-delay-ms", consumer_delay_ms}}) {
    if (value < 0 || value > 3'600'000) return out_of_range(name, "between 0 and 3600000");
  }
  if (iterator_ttl_ms < 1000) return out_of_range("iterator-ttl-ms", "at least 1000");
  if (subscription_lifetime_ms < 100 || subscription_lifetime_ms > 3'600'000) {
    return out_of_range("subscription-lifetime-ms", "between 100 and 3600000");
  }
  if (limits.max_record_bytes < 1 || limits.max_record_bytes > 10 * 1024 * 1024) {
    return out_of_range("max-record-bytes", "between 1 and 10485760 (10 MiB)");
  }
  if (limits.max_put_records_count < 1 || limits.max_put_records_count > 500) {
    return out_of_range("max-put-records-count", "between 1 and 500");
  }
  if (limits.burst_seconds < 0.001 || limits.burst_seconds > 3600) {
    return out_of_range("burst-seconds", "between 0.001 and 3600");
  }
  for (auto [name, value] :
       {std::pair{"shard-write-bytes-per-second", limits.shard_write_bytes_per_second},
        {"shard-write-records-per-second", limits.shard_write_records_per_second},
        {"shard-read-bytes-per-second", limits.shard_read_bytes_per_second},
        {"shard-read-calls-per-second", limits.shard_read_calls_per_second}}) {
    if (value < 0) return out_of_range(name, "0 (off) or positive");
  }
  if (limits.shard_limit < 1) return out_of_range("shard-limit", "at least 1");
  if (limits.on_demand_shard_count < 1 || limits.on_demand_shard_count > 1000) {
    return out_of_range("on-demand-shard-count", "between 1 and 1000");
  }
  if (fsync_interval_ms < 1 || fsync_interval_ms > 60'000) return out_of_range("fsync-interval-ms", "between 1 and 60000");
  if (max_request_bytes < 1024 * 1024) return out_of_range("max-request-bytes", "at least 1 MiB");
  if (verify_signatures && access_keys.empty()) {
    return Error::config("--verify-signatures needs at least one key (--access-key ID:SECRET, --credentials FILE or "
                         "KWB_EMULATOR_CREDENTIALS)");
  }
  if (tls && (tls_cert_file.empty() || tls_key_file.empty())) {
    return Error::config("--tls needs both --tls-cert and --tls-key (or neither, for a generated certificate)");
  }
  return ok_status();
}

}  // namespace kwb::emulator
