#include "emulator/engine.h"

#include <algorithm>
#include <deque>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "emulator/api_error.h"

namespace kwb::emulator {

std::string_view to_string(StreamStatus status) {
  switch (status) {
    case StreamStatus::kCreating: return "CREATING";
    case StreamStatus::kActive: return "ACTIVE";
    case StreamStatus::kUpdating: return "UPDATING";
    case StreamStatus::kDeleting: return "DELETING";
  }
  return "ACTIVE";
}

std::string_view to_string(StreamMode mode) {
  return mode == StreamMode::kOnDemand ? "ON_DEMAND" : "PROVISIONED";
}

void append_shard_id(std::string& out, std::uint32_t index) {
  // Hand-formatted: this runs once per record in PutRecords responses.
  char buffer[20] = {'s', 'h', 'a', 'r', 'd', 'I', 'd', '-'};
  for (int i = 19; i >= 8; --i) {
    buffer[i] = static_cast<char>('0' + index % 10);
    index /= 10;
  }
  out.append(buffer, sizeof buffer);
}

std::string shard_id_for(std::uint32_t index) {
  std::string out;
  append_shard_id(out, index);
  return out;
}

std::optional<std::uint32_t> parse_shard_id(std::string_view text) {
  // AWS resolves a shard id by its number: "shardId-000000000001", "shardId-1" and "1" all name
  // shard 1.
  const auto dash = text.rfind('-');
  if (dash != std::string_view::npos) text = text.substr(dash + 1);
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > 2147483647) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

// ---- internal state -------------------------------------------------------------------------

struct Engine::Shard {
  std::uint32_t index = 0;
  std::string id;
  std::optional<std::uint32_t> parent;
  std::optional<std::uint32_t> adjacent;
  HashRange range;
  std::int64_t created_ms = 0;

  // GUARDED_BY(Stream::mutex): written only with the stream held exclusively.
  bool open = true;
  std::int64_t closed_ms = 0;
  std::uint64_t ending_counter = 0;

  mutable std::mutex mutex;
  std::unique_ptr<RecordLog> log;  // GUARDED_BY(mutex)
  TokenBucket write_bytes;         // GUARDED_BY(mutex)
  TokenBucket write_records;       // GUARDED_BY(mutex)
  TokenBucket read_bytes;          // GUARDED_BY(mutex)
  TokenBucket read_calls;          // GUARDED_BY(mutex)
  TokenBucket iterator_calls;      // GUARDED_BY(mutex)
};

struct Engine::Consumer {
  std::string name;
  std::string arn;
  std::string status = "CREATING";
  std::int64_t created_ms = 0;
  std::int64_t due_ms = INT64_MAX;  // CREATING -> ACTIVE, DELETING -> removed
  std::map<std::string, std::string> tags;
  // SubscribeToShard per shard index: when the current subscription started, and its number.
  struct Subscription {
    std::int64_t started_ms = 0;
    std::uint64_t generation = 0;
  };
  std::map<std::uint32_t, Subscription> subscriptions;
};

struct Engine::PendingChange {
  enum class Kind { kReshard, kMode, kEncryption, kNone };
  Kind kind = Kind::kNone;
  std::vector<HashRange> ranges;  // kReshard: the open ranges once done
  // MergeShards names which shard is the parent and which the adjacent parent.
  std::optional<std::pair<std::uint32_t, std::uint32_t>> merge_order;
  StreamMode mode = StreamMode::kProvisioned;
  bool encrypt = false;
  std::string key_id;
};

struct Engine::Stream {
  mutable std::shared_mutex mutex;
  std::string name;
  std::string arn;
  std::int64_t created_ms = 0;
  StreamStatus status = StreamStatus::kCreating;
  std::int64_t due_ms = INT64_MAX;
  StreamMode mode = StreamMode::kProvisioned;
  int retention_hours = 24;
  std::string encryption_type = "NONE";
  std::string key_id;
  std::set<std::string> metrics;
  std::map<std::string, std::string> tags;
  std::vector<std::unique_ptr<Shard>> shards;  // index == shard number
  std::vector<std::uint32_t> routing;          // open shards sorted by range start
  std::deque<std::int64_t> shard_count_updates;
  PendingChange pending;
  std::map<std::string, Consumer> consumers;

  [[nodiscard]] std::int64_t retention_ms() const { return static_cast<std::int64_t>(retention_hours) * 3'600'000; }
};

namespace {

std::string not_found_message(std::string_view name, std::string_view account) {
  return "Stream " + std::string(name) + " under account " + std::string(account) + " not found.";
}

std::string shard_missing_message(std::string_view shard, std::string_view name, std::string_view account) {
  return "Shard " + std::string(shard) + " in stream " + std::string(name) + " under account " +
         std::string(account) + " does not exist";
}

// "Thu Jan 22 01:22:02 UTC 2015", the form AWS uses in iterator-expiry messages.
std::string amz_utc_string(std::int64_t epoch_ms) {
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buffer;
}

bool overlaps(const HashRange& a, const HashRange& b) { return a.start <= b.end && b.start <= a.end; }

}  // namespace

// ---- construction, time, lifecycle ----------------------------------------------------------

Engine::Engine(std::string region, const EmulatorConfig& config, Clock& clock, Random& random)
    : region_(std::move(region)), config_(config), clock_(clock), iterators_(random) {}

Engine::~Engine() = default;

std::int64_t Engine::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
}

std::int64_t Engine::steady_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.steady_now().time_since_epoch()).count();
}

std::string Engine::stream_arn(std::string_view name) const {
  return "arn:aws:kinesis:" + region_ + ":" + config_.account_id + ":stream/" + std::string(name);
}

void Engine::schedule(std::int64_t due_ms) {
  std::int64_t current = next_due_ms_.load(std::memory_order_relaxed);
  while (due_ms < current && !next_due_ms_.compare_exchange_weak(current, due_ms)) {
  }
}

void Engine::maintain() {
  const std::int64_t now = now_ms();
  if (now < next_due_ms_.load(std::memory_order_acquire)) return;
  std::unique_lock lock(mutex_);
  apply_due_locked(now);
}

void Engine::apply_due_locked(std::int64_t now) {
  // With the engine lock held exclusively no other call holds any stream or shard lock.
  std::int64_t next = INT64_MAX;
  for (auto it = streams_.begin(); it != streams_.end();) {
    Stream& stream = *it->second;
    bool changed = false;
    if (stream.due_ms <= now) {
      stream.due_ms = INT64_MAX;
      if (stream.status == StreamStatus::kDeleting) {
        auto gone = std::move(it->second);
        it = streams_.erase(it);
        forget(*gone);
        continue;
      }
      if (stream.status == StreamStatus::kUpdating) {
        PendingChange change = std::move(stream.pending);
        stream.pending = PendingChange{};
        switch (change.kind) {
          case PendingChange::Kind::kReshard: {
            // Keep open shards whose range is unchanged; close the others; create the new ranges
            // with parents taken from the closed shards they overlap.
            std::vector<std::uint32_t> old_open = stream.routing;
            std::vector<bool> kept(stream.shards.size(), false);
            std::vector<HashRange> to_create;
            for (const HashRange& range : change.ranges) {
              bool same = false;
              for (std::uint32_t index : old_open) {
                if (stream.shards[index]->range == range) {
                  kept[index] = true;
                  same = true;
                }
              }
              if (!same) to_create.push_back(range);
            }
            for (std::uint32_t index : old_open) {
              if (!kept[index]) close_shard(stream, index, now);
            }
            for (const HashRange& range : to_create) {
              std::vector<std::uint32_t> parents;
              for (std::uint32_t index : old_open) {
                if (!kept[index] && overlaps(stream.shards[index]->range, range)) parents.push_back(index);
              }
              if (change.merge_order && parents.size() == 2) {
                parents = {change.merge_order->first, change.merge_order->second};
              }
              // A shard has at most two parents. When a new range spans more old shards, merge
              // them pairwise through intermediate shards that are closed at once (empty).
              while (parents.size() > 2) {
                const HashRange merged{std::min(stream.shards[parents[0]]->range.start, stream.shards[parents[1]]->range.start),
                                       std::max(stream.shards[parents[0]]->range.end, stream.shards[parents[1]]->range.end)};
                add_shard(stream, merged, parents[0], parents[1], now);
                const auto intermediate = static_cast<std::uint32_t>(stream.shards.size() - 1);
                close_shard(stream, intermediate, now);
                parents.erase(parents.begin(), parents.begin() + 2);
                parents.insert(parents.begin(), intermediate);
              }
              std::optional<std::uint32_t> parent, adjacent;
              if (!parents.empty()) parent = parents[0];
              if (parents.size() > 1) adjacent = parents[1];
              add_shard(stream, range, parent, adjacent, now);
            }
            rebuild_routing(stream);
            break;
          }
          case PendingChange::Kind::kMode:
            stream.mode = change.mode;
            break;
          case PendingChange::Kind::kEncryption:
            stream.encryption_type = change.encrypt ? "KMS" : "NONE";
            stream.key_id = change.encrypt ? change.key_id : "";
            break;
          case PendingChange::Kind::kNone:
            break;
        }
      }
      stream.status = StreamStatus::kActive;
      changed = true;
    }
    for (auto c = stream.consumers.begin(); c != stream.consumers.end();) {
      if (c->second.due_ms <= now) {
        changed = true;
        if (c->second.status == "DELETING") {
          c = stream.consumers.erase(c);
          continue;
        }
        c->second.status = "ACTIVE";
        c->second.due_ms = INT64_MAX;
      }
      next = std::min(next, c->second.due_ms);
      ++c;
    }
    if (changed) {
      // Nobody waits on this call to learn of a failure; the next change rewrites the document.
      Status saved = persist(stream);
      if (!saved.ok()) spdlog::error("emulator: {}", saved.error().message);
    }
    next = std::min(next, stream.due_ms);
    ++it;
  }
  next_due_ms_.store(next, std::memory_order_release);
}

// ---- helpers ---------------------------------------------------------------------------------

Engine::Stream* Engine::find(const std::string& name) const {
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second.get();
}

Result<Engine::Stream*> Engine::require(const std::string& name) const {
  Stream* stream = find(name);
  if (stream == nullptr) return resource_not_found(not_found_message(name, config_.account_id));
  return stream;
}

Status Engine::require_active(const Stream& stream) const {
  if (stream.status == StreamStatus::kActive) return ok_status();
  return resource_in_use("Stream " + stream.name + " under account " + config_.account_id +
                         " not ACTIVE, instead in state " + std::string(to_string(stream.status)));
}

Status Engine::check_control_rate(std::string_view op, const std::string& stream_name) {
  if (!config_.limits.control_plane_limits) return ok_status();
  const LimitsConfig& l = config_.limits;
  double rate = l.other_control_per_second;
  if (op == "CreateStream") rate = l.create_stream_per_second;
  else if (op == "DeleteStream") rate = l.delete_stream_per_second;
  else if (op == "DescribeStream") rate = l.describe_stream_per_second;
  else if (op == "DescribeStreamSummary") rate = l.describe_stream_summary_per_second;
  else if (op == "ListStreams") rate = l.list_streams_per_second;
  else if (op == "ListShards") rate = l.list_shards_per_second;
  if (rate <= 0) return ok_status();
  const std::int64_t now = steady_ns();
  std::lock_guard lock(rate_mutex_);
  auto it = control_buckets_.find(op);
  if (it == control_buckets_.end()) it = control_buckets_.emplace(std::string(op), TokenBucket(rate, rate, now)).first;
  if (it->second.try_take(1, now)) return ok_status();
  if (stream_name.empty()) return limit_exceeded("Rate exceeded for account " + config_.account_id + ".");
  return limit_exceeded("Rate exceeded for stream " + stream_name + " under account " + config_.account_id + ".");
}

std::uint32_t Engine::open_shards_in_account_locked() const {
  std::uint32_t total = 0;
  for (const auto& [name, stream] : streams_) {
    std::shared_lock lock(stream->mutex);
    total += static_cast<std::uint32_t>(stream->routing.size());
    if (stream->pending.kind == PendingChange::Kind::kReshard) {
      total += static_cast<std::uint32_t>(stream->pending.ranges.size()) - static_cast<std::uint32_t>(stream->routing.size());
    }
  }
  return total;
}

void Engine::add_shard(Stream& stream, HashRange range, std::optional<std::uint32_t> parent,
                       std::optional<std::uint32_t> adjacent, std::int64_t now) {
  auto shard = std::make_unique<Shard>();
  shard->index = static_cast<std::uint32_t>(stream.shards.size());
  shard->id = shard_id_for(shard->index);
  shard->parent = parent;
  shard->adjacent = adjacent;
  shard->range = range;
  shard->created_ms = now;
  if (store_) {
    shard->log = store_->new_shard_log(stream.name, stream.created_ms, shard->index);
  } else {
    shard->log = std::make_unique<MemoryRecordLog>(1);
  }
  init_buckets(*shard);
  stream.shards.push_back(std::move(shard));
}

void Engine::init_buckets(Shard& shard) {
  const LimitsConfig& l = config_.limits;
  const std::int64_t ns = steady_ns();
  const double burst = l.burst_seconds;
  shard.write_bytes = TokenBucket(l.shard_write_bytes_per_second, l.shard_write_bytes_per_second * burst, ns);
  shard.write_records = TokenBucket(l.shard_write_records_per_second, l.shard_write_records_per_second * burst, ns);
  shard.read_bytes = TokenBucket(l.shard_read_bytes_per_second, l.shard_read_bytes_per_second * burst, ns);
  shard.read_calls = TokenBucket(l.shard_read_calls_per_second, l.shard_read_calls_per_second * burst, ns);
  shard.iterator_calls = TokenBucket(l.get_shard_iterator_per_shard_per_second,
                                     l.get_shard_iterator_per_shard_per_second * burst, ns);
}

void Engine::close_shard(Stream& stream, std::uint32_t index, std::int64_t now) {
  Shard& shard = *stream.shards[index];
  std::lock_guard lock(shard.mutex);
  shard.open = false;
  shard.closed_ms = now;
  shard.ending_counter = shard.log->next_counter() - 1;  // 0 when nothing was ever written
}

void Engine::rebuild_routing(Stream& stream) {
  stream.routing.clear();
  for (const auto& shard : stream.shards) {
    if (shard->open) stream.routing.push_back(shard->index);
  }
  std::sort(stream.routing.begin(), stream.routing.end(), [&](std::uint32_t a, std::uint32_t b) {
    return stream.shards[a]->range.start < stream.shards[b]->range.start;
  });
}

bool Engine::shard_visible(const Stream& stream, const Shard& shard, std::int64_t now) const {
  // AWS stops listing a closed shard once its records are past the retention period.
  return shard.open || shard.closed_ms + stream.retention_ms() > now;
}

ShardInfo Engine::shard_info(const Stream& /*stream*/, const Shard& shard) const {
  ShardInfo info;
  info.shard_id = shard.id;
  info.index = shard.index;
  if (shard.parent) info.parent = shard_id_for(*shard.parent);
  if (shard.adjacent) info.adjacent_parent = shard_id_for(*shard.adjacent);
  info.range = shard.range;
  info.starting_sequence = format_sequence({shard.index, shard.created_ms, 0});
  if (!shard.open) info.ending_sequence = format_sequence({shard.index, shard.created_ms, shard.ending_counter});
  return info;
}

StreamInfo Engine::stream_info(const Stream& stream, bool with_shards, std::int64_t now) const {
  StreamInfo info;
  info.name = stream.name;
  info.arn = stream.arn;
  info.status = stream.status;
  info.mode = stream.mode;
  info.retention_hours = stream.retention_hours;
  info.created_ms = stream.created_ms;
  info.encryption_type = stream.encryption_type;
  info.key_id = stream.key_id;
  info.shard_level_metrics.assign(stream.metrics.begin(), stream.metrics.end());
  info.open_shard_count = static_cast<std::uint32_t>(stream.routing.size());
  info.consumer_count = static_cast<std::uint32_t>(stream.consumers.size());
  if (with_shards) {
    for (const auto& shard : stream.shards) {
      if (shard_visible(stream, *shard, now)) info.shards.push_back(shard_info(stream, *shard));
    }
  }
  return info;
}

// ---- control plane ---------------------------------------------------------------------------

Status Engine::create_stream(const std::string& name, std::optional<std::uint32_t> shard_count, StreamMode mode,
                             const std::map<std::string, std::string>& tags) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("CreateStream", name));
  const std::uint32_t count = mode == StreamMode::kOnDemand ? config_.limits.on_demand_shard_count : shard_count.value_or(1);
  std::unique_lock lock(mutex_);
  if (find(name) != nullptr) {
    return resource_in_use("Stream " + name + " under account " + config_.account_id + " already exists.");
  }
  if (count > config_.limits.max_shards_per_stream) {
    return invalid_argument("Shard count " + std::to_string(count) + " exceeds the maximum of " +
                            std::to_string(config_.limits.max_shards_per_stream) + " shards per stream.");
  }
  const std::uint32_t open = open_shards_in_account_locked();
  if (open + count > config_.limits.shard_limit) {
    return limit_exceeded("This request would exceed the shard limit for the account " + config_.account_id + " in " +
                          region_ + ". Current shard count for the account: " + std::to_string(open) +
                          ". Limit: " + std::to_string(config_.limits.shard_limit) +
                          ". Number of additional shards that would have resulted from this request: " +
                          std::to_string(count) + ". Refer to the AWS Service Limits page "
                          "(https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits "
                          "and how to request higher limits.");
  }
  if (mode == StreamMode::kOnDemand) {
    std::uint32_t on_demand = 0;
    for (const auto& [n, s] : streams_) on_demand += s->mode == StreamMode::kOnDemand ? 1 : 0;
    if (on_demand >= config_.limits.on_demand_stream_limit) {
      return limit_exceeded("This request would exceed the on-demand stream count limit for the account " +
                            config_.account_id + " in " + region_ + ". Limit: " +
                            std::to_string(config_.limits.on_demand_stream_limit) + ".");
    }
  }
  const std::int64_t now = now_ms();
  auto stream = std::make_unique<Stream>();
  stream->name = name;
  stream->arn = stream_arn(name);
  stream->created_ms = now;
  stream->mode = mode;
  stream->tags = tags;
  stream->status = StreamStatus::kCreating;
  stream->due_ms = now + config_.create_delay_ms;
  for (const HashRange& range : uniform_ranges(count)) add_shard(*stream, range, std::nullopt, std::nullopt, now);
  rebuild_routing(*stream);
  schedule(stream->due_ms);
  Stream& created = *streams_.emplace(name, std::move(stream)).first->second;
  return persist(created);
}

Status Engine::delete_stream(const std::string& name, bool enforce_consumer_deletion) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("DeleteStream", name));
  std::unique_lock lock(mutex_);
  auto stream = require(name);
  if (!stream) return stream.error();
  Stream& s = **stream;
  if (s.status == StreamStatus::kDeleting) return ok_status();
  if (!s.consumers.empty() && !enforce_consumer_deletion) {
    return resource_in_use("Stream " + name + " under account " + config_.account_id +
                           " has registered consumers. Set EnforceConsumerDeletion to delete them with the stream.");
  }
  s.status = StreamStatus::kDeleting;
  s.pending = PendingChange{};
  s.due_ms = now_ms() + config_.delete_delay_ms;
  for (auto& [n, consumer] : s.consumers) consumer.status = "DELETING";
  schedule(s.due_ms);
  return persist(s);
}

Result<StreamInfo> Engine::describe_stream(const std::string& name, bool with_shards, std::string_view op) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate(op, name));
  std::shared_lock lock(mutex_);
  auto stream = require(name);
  if (!stream) return stream.error();
  std::shared_lock stream_lock((*stream)->mutex);
  return stream_info(**stream, with_shards, now_ms());
}

Result<StreamInfo> Engine::list_shards(const std::string& name, const ShardFilter& filter) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("ListShards", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  const Stream& stream = **found;
  std::shared_lock stream_lock(stream.mutex);
  const std::int64_t now = now_ms();
  StreamInfo info = stream_info(stream, false, now);
  std::optional<std::uint32_t> after;
  if (filter.type == ShardFilter::Type::kAfterShardId) after = parse_shard_id(filter.shard_id);
  for (const auto& shard : stream.shards) {
    if (!shard_visible(stream, *shard, now)) continue;
    bool keep = true;
    switch (filter.type) {
      case ShardFilter::Type::kNone:
      case ShardFilter::Type::kFromTrimHorizon:
        break;
      case ShardFilter::Type::kAfterShardId:
        keep = !after || shard->index > *after;
        break;
      case ShardFilter::Type::kAtLatest:
        keep = shard->open;
        break;
      case ShardFilter::Type::kAtTrimHorizon: {
        // The shards a reader starts with at the trim horizon: those whose parents are gone.
        auto gone = [&](std::optional<std::uint32_t> p) {
          return !p || !shard_visible(stream, *stream.shards[*p], now);
        };
        keep = gone(shard->parent) && gone(shard->adjacent);
        break;
      }
      case ShardFilter::Type::kAtTimestamp:
        keep = shard->created_ms <= filter.timestamp_ms && (shard->open || shard->closed_ms > filter.timestamp_ms);
        break;
      case ShardFilter::Type::kFromTimestamp:
        keep = shard->open || shard->closed_ms > filter.timestamp_ms;
        break;
    }
    if (keep) info.shards.push_back(shard_info(stream, *shard));
  }
  return info;
}

Result<std::vector<StreamInfo>> Engine::list_streams() {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("ListStreams", ""));
  std::shared_lock lock(mutex_);
  std::vector<StreamInfo> out;
  const std::int64_t now = now_ms();
  for (const auto& [name, stream] : streams_) {
    std::shared_lock stream_lock(stream->mutex);
    out.push_back(stream_info(*stream, false, now));
  }
  return out;
}

Result<LimitsInfo> Engine::describe_limits() {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("DescribeLimits", ""));
  std::shared_lock lock(mutex_);
  LimitsInfo info;
  info.shard_limit = config_.limits.shard_limit;
  info.on_demand_stream_count_limit = config_.limits.on_demand_stream_limit;
  for (const auto& [name, stream] : streams_) {
    std::shared_lock stream_lock(stream->mutex);
    info.open_shard_count += static_cast<std::uint32_t>(stream->routing.size());
    if (stream->mode == StreamMode::kOnDemand) ++info.on_demand_stream_count;
  }
  return info;
}

Status Engine::begin_reshard(Stream& stream, std::vector<HashRange> new_ranges, std::int64_t now) {
  stream.pending = PendingChange{};
  stream.pending.kind = PendingChange::Kind::kReshard;
  stream.pending.ranges = std::move(new_ranges);
  stream.status = StreamStatus::kUpdating;
  stream.due_ms = now + config_.update_delay_ms;
  schedule(stream.due_ms);
  return ok_status();
}

Result<UpdateShardCountResult> Engine::update_shard_count(const std::string& name, std::uint32_t target) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("UpdateShardCount", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  Stream& stream = **found;
  const std::uint32_t account_open = open_shards_in_account_locked();
  std::unique_lock stream_lock(stream.mutex);
  KWB_RETURN_IF_ERROR(require_active(stream));
  const auto current = static_cast<std::uint32_t>(stream.routing.size());
  const std::string prefix = "UpdateShardCount failed for stream " + name + " under account " + config_.account_id + ". ";
  if (stream.mode == StreamMode::kOnDemand) {
    return invalid_argument(prefix + "UpdateShardCount is not supported for streams in ON_DEMAND mode.");
  }
  if (target == current) {
    return invalid_argument(prefix + "Target shard count " + std::to_string(target) +
                            " is the same as the current open shard count.");
  }
  if (target > current * 2) {
    return invalid_argument(prefix + "Cannot scale up to more than double the current open shard count of " +
                            std::to_string(current) + ". Target shard count: " + std::to_string(target) + ".");
  }
  if (target * 2 < current) {
    return invalid_argument(prefix + "Cannot scale down to less than half the current open shard count of " +
                            std::to_string(current) + ". Target shard count: " + std::to_string(target) + ".");
  }
  if (target > config_.limits.max_shards_per_stream) {
    return invalid_argument(prefix + "Target shard count exceeds the maximum of " +
                            std::to_string(config_.limits.max_shards_per_stream) + " shards per stream.");
  }
  if (target > current && account_open + (target - current) > config_.limits.shard_limit) {
    return limit_exceeded(prefix + "This request would exceed the shard limit for the account. Current shard count "
                          "for the account: " + std::to_string(account_open) + ". Limit: " +
                          std::to_string(config_.limits.shard_limit) + ".");
  }
  const std::int64_t now = now_ms();
  while (!stream.shard_count_updates.empty() && stream.shard_count_updates.front() <= now - 86'400'000) {
    stream.shard_count_updates.pop_front();
  }
  if (stream.shard_count_updates.size() >= config_.limits.update_shard_count_per_day) {
    return limit_exceeded(prefix + "Exceeded the limit of " + std::to_string(config_.limits.update_shard_count_per_day) +
                          " UpdateShardCount calls per rolling 24-hour period.");
  }
  stream.shard_count_updates.push_back(now);
  KWB_RETURN_IF_ERROR(begin_reshard(stream, uniform_ranges(target), now));
  KWB_RETURN_IF_ERROR(persist(stream));
  return UpdateShardCountResult{name, stream.arn, current, target};
}

Status Engine::split_shard(const std::string& name, std::string_view shard_id, HashKey new_start) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("SplitShard", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  Stream& stream = **found;
  const std::uint32_t account_open = open_shards_in_account_locked();
  std::unique_lock stream_lock(stream.mutex);
  KWB_RETURN_IF_ERROR(require_active(stream));
  const auto index = parse_shard_id(shard_id);
  if (!index || *index >= stream.shards.size() || !shard_visible(stream, *stream.shards[*index], now_ms())) {
    return resource_not_found("Could not find shard " + std::string(shard_id) + " in stream " + name +
                              " under account " + config_.account_id + ".");
  }
  const Shard& shard = *stream.shards[*index];
  if (!shard.open) {
    return resource_in_use("Shard " + shard.id + " in stream " + name + " under account " + config_.account_id +
                           " has already been merged or split, and thus is not eligible for merging or splitting.");
  }
  if (new_start <= shard.range.start || new_start > shard.range.end) {
    return invalid_argument("NewStartingHashKey " + format_hash_key(new_start) + " used in SplitShard() on shard " +
                            shard.id + " in stream " + name + " under account " + config_.account_id +
                            " is not both greater than one plus the shard's StartingHashKey " +
                            format_hash_key(shard.range.start) + " and less than the shard's EndingHashKey " +
                            format_hash_key(shard.range.end) + ".");
  }
  if (account_open + 1 > config_.limits.shard_limit) {
    return limit_exceeded("This request would exceed the shard limit for the account " + config_.account_id + " in " +
                          region_ + ". Limit: " + std::to_string(config_.limits.shard_limit) + ".");
  }
  std::vector<HashRange> ranges;
  for (std::uint32_t open : stream.routing) {
    const HashRange& r = stream.shards[open]->range;
    if (open == *index) {
      ranges.push_back({r.start, new_start - 1});
      ranges.push_back({new_start, r.end});
    } else {
      ranges.push_back(r);
    }
  }
  KWB_RETURN_IF_ERROR(begin_reshard(stream, std::move(ranges), now_ms()));
  return persist(stream);
}

Status Engine::merge_shards(const std::string& name, std::string_view shard_id, std::string_view adjacent_id) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("MergeShards", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  KWB_RETURN_IF_ERROR(require_active(stream));
  const std::int64_t now = now_ms();
  auto resolve = [&](std::string_view id) -> Result<std::uint32_t> {
    const auto index = parse_shard_id(id);
    if (!index || *index >= stream.shards.size() || !shard_visible(stream, *stream.shards[*index], now)) {
      return resource_not_found("Could not find shard " + std::string(id) + " in stream " + name + " under account " +
                                config_.account_id + ".");
    }
    if (!stream.shards[*index]->open) {
      return resource_in_use("Shard " + stream.shards[*index]->id + " in stream " + name + " under account " +
                             config_.account_id +
                             " has already been merged or split, and thus is not eligible for merging or splitting.");
    }
    return *index;
  };
  auto a = resolve(shard_id);
  if (!a) return a.error();
  auto b = resolve(adjacent_id);
  if (!b) return b.error();
  const HashRange& ra = stream.shards[*a]->range;
  const HashRange& rb = stream.shards[*b]->range;
  const bool adjacent = *a != *b && ((ra.end != kMaxHashKey && ra.end + 1 == rb.start) ||
                                     (rb.end != kMaxHashKey && rb.end + 1 == ra.start));
  if (!adjacent) {
    return invalid_argument("Shards " + stream.shards[*a]->id + " and " + stream.shards[*b]->id + " in stream " + name +
                            " under account " + config_.account_id + " are not an adjacent pair of shards eligible for merging");
  }
  const HashRange merged{std::min(ra.start, rb.start), std::max(ra.end, rb.end)};
  std::vector<HashRange> ranges;
  for (std::uint32_t open : stream.routing) {
    if (open == *a) ranges.push_back(merged);
    else if (open != *b) ranges.push_back(stream.shards[open]->range);
  }
  KWB_RETURN_IF_ERROR(begin_reshard(stream, std::move(ranges), now));
  stream.pending.merge_order = std::pair{*a, *b};
  return persist(stream);
}

Status Engine::update_stream_mode(const std::string& name, StreamMode mode) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("UpdateStreamMode", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  KWB_RETURN_IF_ERROR(require_active(stream));
  if (stream.mode == mode) {
    return invalid_argument("Stream " + name + " under account " + config_.account_id + " is already in " +
                            std::string(to_string(mode)) + " mode.");
  }
  stream.pending = PendingChange{};
  stream.pending.kind = PendingChange::Kind::kMode;
  stream.pending.mode = mode;
  stream.status = StreamStatus::kUpdating;
  stream.due_ms = now_ms() + config_.update_delay_ms;
  schedule(stream.due_ms);
  return persist(stream);
}

Status Engine::add_tags(const std::string& name, const std::map<std::string, std::string>& tags) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("AddTagsToStream", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  if (stream.status == StreamStatus::kDeleting) return require_active(stream);
  std::size_t total = stream.tags.size();
  for (const auto& [key, value] : tags) total += stream.tags.count(key) ? 0 : 1;
  if (total > 50) {
    return invalid_argument("Failed to add tags to stream " + name + " under account " + config_.account_id +
                            " because a given stream cannot have more than 50 tags associated with it.");
  }
  for (const auto& [key, value] : tags) stream.tags[key] = value;
  return persist(stream);
}

Status Engine::remove_tags(const std::string& name, const std::vector<std::string>& keys) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("RemoveTagsFromStream", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  if (stream.status == StreamStatus::kDeleting) return require_active(stream);
  for (const auto& key : keys) stream.tags.erase(key);
  return persist(stream);
}

Result<std::map<std::string, std::string>> Engine::list_tags(const std::string& name) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("ListTagsForStream", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  std::shared_lock stream_lock((*found)->mutex);
  return (*found)->tags;
}

Status Engine::set_retention(const std::string& name, int hours, bool increase) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate(increase ? "IncreaseStreamRetentionPeriod" : "DecreaseStreamRetentionPeriod", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  KWB_RETURN_IF_ERROR(require_active(stream));
  if (increase && hours < stream.retention_hours) {
    return invalid_argument("Requested retention period (" + std::to_string(hours) + " hours) for stream " + name +
                            " can not be shorter than existing retention period (" +
                            std::to_string(stream.retention_hours) + " hours). Use DecreaseRetentionPeriod API.");
  }
  if (!increase && hours > stream.retention_hours) {
    return invalid_argument("Requested retention period (" + std::to_string(hours) + " hours) for stream " + name +
                            " can not be longer than existing retention period (" +
                            std::to_string(stream.retention_hours) + " hours). Use IncreaseRetentionPeriod API.");
  }
  stream.retention_hours = hours;
  return persist(stream);
}

Result<MonitoringResult> Engine::set_monitoring(const std::string& name, const std::vector<std::string>& metrics,
                                                bool enable) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate(enable ? "EnableEnhancedMonitoring" : "DisableEnhancedMonitoring", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  KWB_RETURN_IF_ERROR(require_active(stream));
  static const std::vector<std::string> kAll = {"IncomingBytes", "IncomingRecords", "IteratorAgeMilliseconds",
                                                "OutgoingBytes", "OutgoingRecords", "ReadProvisionedThroughputExceeded",
                                                "WriteProvisionedThroughputExceeded"};
  MonitoringResult result{name, stream.arn, {stream.metrics.begin(), stream.metrics.end()}, {}};
  for (const auto& metric : metrics) {
    if (metric == "ALL") {
      for (const auto& m : kAll) enable ? (void)stream.metrics.insert(m) : (void)stream.metrics.erase(m);
    } else {
      enable ? (void)stream.metrics.insert(metric) : (void)stream.metrics.erase(metric);
    }
  }
  result.desired.assign(stream.metrics.begin(), stream.metrics.end());
  KWB_RETURN_IF_ERROR(persist(stream));
  return result;
}

Status Engine::set_encryption(const std::string& name, bool enable, const std::string& key_id) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate(enable ? "StartStreamEncryption" : "StopStreamEncryption", name));
  std::shared_lock lock(mutex_);
  auto found = require(name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  KWB_RETURN_IF_ERROR(require_active(stream));
  stream.pending = PendingChange{};
  stream.pending.kind = PendingChange::Kind::kEncryption;
  stream.pending.encrypt = enable;
  stream.pending.key_id = key_id;
  stream.status = StreamStatus::kUpdating;
  stream.due_ms = now_ms() + config_.update_delay_ms;
  schedule(stream.due_ms);
  return persist(stream);
}

// ---- consumers -------------------------------------------------------------------------------

namespace {
ConsumerInfo consumer_info_of(const std::string& stream_arn, const std::string& name, const std::string& arn,
                              const std::string& status, std::int64_t created_ms) {
  return ConsumerInfo{name, arn, status, created_ms, stream_arn};
}
}  // namespace

Result<ConsumerInfo> Engine::register_consumer(const std::string& stream_name, const std::string& consumer_name) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("RegisterStreamConsumer", stream_name));
  std::shared_lock lock(mutex_);
  auto found = require(stream_name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  if (stream.status != StreamStatus::kActive && stream.status != StreamStatus::kUpdating) {
    return require_active(stream).error();
  }
  if (stream.consumers.count(consumer_name)) {
    return resource_in_use("Consumer " + consumer_name + " under stream " + stream_name + " under account " +
                           config_.account_id + " already exists.");
  }
  if (stream.consumers.size() >= config_.limits.consumers_per_stream) {
    return limit_exceeded("Consumer limit of " + std::to_string(config_.limits.consumers_per_stream) +
                          " reached for stream " + stream.arn + ".");
  }
  const std::int64_t now = now_ms();
  Consumer consumer;
  consumer.name = consumer_name;
  consumer.arn = stream.arn + "/consumer/" + consumer_name + ":" + std::to_string(now / 1000);
  consumer.created_ms = now;
  consumer.due_ms = now + config_.consumer_delay_ms;
  schedule(consumer.due_ms);
  auto& stored = stream.consumers[consumer_name] = std::move(consumer);
  KWB_RETURN_IF_ERROR(persist(stream));
  return consumer_info_of(stream.arn, stored.name, stored.arn, stored.status, stored.created_ms);
}

Status Engine::deregister_consumer(const std::string& stream_name, const std::string& consumer_name) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("DeregisterStreamConsumer", stream_name));
  std::shared_lock lock(mutex_);
  auto found = require(stream_name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  auto it = stream.consumers.find(consumer_name);
  if (it == stream.consumers.end()) {
    return resource_not_found("Consumer " + consumer_name + " under stream " + stream_name + " under account " +
                              config_.account_id + " not found.");
  }
  it->second.status = "DELETING";
  it->second.due_ms = now_ms() + config_.consumer_delay_ms;
  schedule(it->second.due_ms);
  return persist(stream);
}

Result<ConsumerInfo> Engine::describe_consumer(const std::string& stream_name, const std::string& consumer_name) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("DescribeStreamConsumer", stream_name));
  std::shared_lock lock(mutex_);
  auto found = require(stream_name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::shared_lock stream_lock(stream.mutex);
  auto it = stream.consumers.find(consumer_name);
  if (it == stream.consumers.end()) {
    return resource_not_found("Consumer " + consumer_name + " under stream " + stream_name + " under account " +
                              config_.account_id + " not found.");
  }
  return consumer_info_of(stream.arn, it->second.name, it->second.arn, it->second.status, it->second.created_ms);
}

Result<std::vector<ConsumerInfo>> Engine::list_consumers(const std::string& stream_name) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("ListStreamConsumers", stream_name));
  std::shared_lock lock(mutex_);
  auto found = require(stream_name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::shared_lock stream_lock(stream.mutex);
  std::vector<ConsumerInfo> out;
  for (const auto& [name, c] : stream.consumers) {
    out.push_back(consumer_info_of(stream.arn, c.name, c.arn, c.status, c.created_ms));
  }
  return out;
}

Status Engine::tag_consumer(const std::string& stream_name, const std::string& consumer_name,
                            const std::map<std::string, std::string>& tags, const std::vector<std::string>& remove) {
  maintain();
  KWB_RETURN_IF_ERROR(check_control_rate("TagResource", stream_name));
  std::shared_lock lock(mutex_);
  auto found = require(stream_name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::unique_lock stream_lock(stream.mutex);
  auto it = stream.consumers.find(consumer_name);
  if (it == stream.consumers.end()) {
    return resource_not_found("Consumer " + consumer_name + " under stream " + stream_name + " under account " +
                              config_.account_id + " not found.");
  }
  for (const auto& [k, v] : tags) it->second.tags[k] = v;
  for (const auto& k : remove) it->second.tags.erase(k);
  return persist(stream);
}

Result<std::map<std::string, std::string>> Engine::consumer_tags(const std::string& stream_name,
                                                                 const std::string& consumer_name) {
  maintain();
  std::shared_lock lock(mutex_);
  auto found = require(stream_name);
  if (!found) return found.error();
  Stream& stream = **found;
  std::shared_lock stream_lock(stream.mutex);
  auto it = stream.consumers.find(consumer_name);
  if (it == stream.consumers.end()) {
    return resource_not_found("Consumer " + consumer_name + " under stream " + stream_name + " under account " +
                              config_.account_id + " not found.");
  }
  return it->second.tags;
}

// ---- data plane ------------------------------------------------------------------------------

Result<PutSummary> Engine::put_records(const std::string& name, std::span<const PutEntry> entries,
                                       std::span<PutOutcome> outcomes) {
  maintain();
  std::shared_lock lock(mutex_);
  Stream* stream = find(name);
  if (stream == nullptr) return resource_not_found(not_found_message(name, config_.account_id));
  std::shared_lock stream_lock(stream->mutex);
  if (stream->status != StreamStatus::kActive && stream->status != StreamStatus::kUpdating) {
    return resource_not_found(not_found_message(name, config_.account_id));
  }
  const std::int64_t now = now_ms();
  const std::int64_t now_ns = steady_ns();
  const std::int64_t cutoff = now - stream->retention_ms();

  // Route every record, then visit each shard once with its records in request order, so a
  // 500-record batch takes each shard lock once.
  thread_local std::vector<std::pair<std::uint32_t, std::uint32_t>> order;  // (routing slot, record)
  order.clear();
  const auto& routing = stream->routing;
  for (std::uint32_t i = 0; i < entries.size(); ++i) {
    const HashKey key = entries[i].explicit_hash_key ? *entries[i].explicit_hash_key : md5_hash_key(entries[i].partition_key);
    // The last open shard whose range starts at or below the key; open ranges tile the key space.
    auto it = std::upper_bound(routing.begin(), routing.end(), key, [&](HashKey k, std::uint32_t index) {
      return k < stream->shards[index]->range.start;
    });
    order.emplace_back(static_cast<std::uint32_t>(it - routing.begin()) - 1, i);
  }
  if (routing.size() > 1) {
    // Group by shard keeping request order: a counting sort, linear in records plus shards (a
    // comparison sort was ~2% of a PutRecords call's instructions).
    thread_local std::vector<std::uint32_t> starts;
    thread_local std::vector<std::pair<std::uint32_t, std::uint32_t>> grouped;
    starts.assign(routing.size() + 1, 0);
    for (const auto& entry : order) ++starts[entry.first + 1];
    for (std::size_t slot = 1; slot < starts.size(); ++slot) starts[slot] += starts[slot - 1];
    grouped.resize(order.size());
    for (const auto& entry : order) grouped[starts[entry.first]++] = entry;
    order.swap(grouped);
  }

  PutSummary summary;
  summary.encryption_type = stream->encryption_type;
  std::size_t pos = 0;
  while (pos < order.size()) {
    const std::uint32_t slot = order[pos].first;
    Shard& shard = *stream->shards[routing[slot]];
    ShardTally tally;
    std::lock_guard shard_lock(shard.mutex);
    shard.log->trim_before(cutoff);
    for (; pos < order.size() && order[pos].first == slot; ++pos) {
      const PutEntry& entry = entries[order[pos].second];
      PutOutcome& outcome = outcomes[order[pos].second];
      outcome.shard_index = shard.index;
      outcome.shard_created_ms = shard.created_ms;
      const double size = static_cast<double>(entry.partition_key.size() + entry.data.size());
      bool ok = shard.write_records.try_take(1, now_ns);
      if (ok && !shard.write_bytes.try_take(size, now_ns)) {
        shard.write_records.give_back(1);
        ok = false;
      }
      if (!ok) {
        outcome.accepted = false;
        outcome.throttled = true;
        ++summary.failed;
        ++tally.throttled;
        continue;
      }
      const std::int64_t arrival = std::max(now, shard.log->last_arrival_ms());
      outcome.counter = shard.log->append(arrival, entry.partition_key, entry.data);
      outcome.accepted = true;
      ++tally.records;
      tally.bytes += static_cast<std::uint64_t>(size);
    }
    if (tally.records > 0) {
      // Nothing is acknowledged before it is as durable as --fsync promises.
      Status committed = shard.log->commit(now_ns);
      if (!committed.ok()) {
        spdlog::error("emulator: {}", committed.error().message);
        return internal_failure("Could not store the records.");
      }
    }
    summary.shard_ids.push_back(shard.id);
    summary.tallies.push_back(tally);
    if (tally.records > 0 && append_listener_ != nullptr) append_listener_->appended(*this, stream->name, shard.index);
  }
  for (std::size_t i = 0; i < summary.tallies.size(); ++i) summary.tallies[i].shard_id = summary.shard_ids[i];
  return summary;
}

Result<std::string> Engine::get_shard_iterator(const std::string& name, std::string_view shard_id, IteratorType type,
                                               std::string_view starting_sequence, std::int64_t timestamp_ms) {
  maintain();
  std::shared_lock lock(mutex_);
  Stream* stream = find(name);
  const auto index = parse_shard_id(shard_id);
  const std::string canonical = index ? shard_id_for(*index) : std::string(shard_id);
  if (stream == nullptr || (stream->status != StreamStatus::kActive && stream->status != StreamStatus::kUpdating)) {
    return resource_not_found(shard_missing_message(canonical, name, config_.account_id));
  }
  std::shared_lock stream_lock(stream->mutex);
  const std::int64_t now = now_ms();
  if (!index || *index >= stream->shards.size() || !shard_visible(*stream, *stream->shards[*index], now)) {
    return resource_not_found(shard_missing_message(canonical, name, config_.account_id));
  }
  Shard& shard = *stream->shards[*index];
  std::lock_guard shard_lock(shard.mutex);
  if (!shard.iterator_calls.try_take(1, steady_ns())) {
    return throughput_exceeded("Rate exceeded for shard " + shard.id + " in stream " + name + " under account " +
                               config_.account_id + ".");
  }
  shard.log->trim_before(now - stream->retention_ms());
  auto position = start_position(*stream, shard, type, starting_sequence, timestamp_ms, "GetShardIterator");
  if (!position) return position.error();
  return iterators_.encode(IteratorState{now, stream->created_ms, shard.index, *position, name});
}

Result<std::uint64_t> Engine::start_position(const Stream& stream, const Shard& shard, IteratorType type,
                                             std::string_view starting_sequence, std::int64_t timestamp_ms,
                                             std::string_view op) const {
  switch (type) {
    case IteratorType::kTrimHorizon:
      return shard.log->first_counter();
    case IteratorType::kLatest:
      return shard.log->next_counter();
    case IteratorType::kAtTimestamp:
      return shard.log->find_by_time(timestamp_ms);
    case IteratorType::kAtSequenceNumber:
    case IteratorType::kAfterSequenceNumber:
      break;
  }
  const std::string& name = stream.name;
  const auto parts = parse_sequence(starting_sequence);
  if (!parts) {
    return invalid_argument("StartingSequenceNumber " + std::string(starting_sequence) + " used in " + std::string(op) +
                            " on shard " + shard.id + " in stream " + name + " under account " + config_.account_id +
                            " is invalid.");
  }
  if (parts->shard_index != shard.index) {
    return invalid_argument("Invalid StartingSequenceNumber. It encodes " + shard_id_for(parts->shard_index) +
                            ", while it was used in a call to a shard with " + shard.id);
  }
  if (parts->shard_created_ms != shard.created_ms) {
    return invalid_argument("StartingSequenceNumber " + std::string(starting_sequence) + " used in " + std::string(op) +
                            " on shard " + shard.id + " in stream " + name + " under account " + config_.account_id +
                            " is invalid because it did not come from this stream.");
  }
  const std::uint64_t position = parts->counter + (type == IteratorType::kAfterSequenceNumber ? 1 : 0);
  return std::clamp(position, shard.log->first_counter(), shard.log->next_counter());
}

std::vector<ChildShard> Engine::children_of(const Stream& stream, const Shard& shard) const {
  std::vector<ChildShard> out;
  for (const auto& child : stream.shards) {
    if (child->parent == shard.index || child->adjacent == shard.index) {
      ChildShard c{child->id, {}, child->range};
      if (child->parent) c.parents.push_back(shard_id_for(*child->parent));
      if (child->adjacent) c.parents.push_back(shard_id_for(*child->adjacent));
      out.push_back(std::move(c));
    }
  }
  return out;
}

Result<GetRecordsResult> Engine::get_records(std::string_view iterator_text, std::uint32_t limit, RecordSink& sink) {
  const auto iterator = iterators_.decode(iterator_text);
  if (!iterator) return invalid_argument("Invalid ShardIterator.");
  const std::int64_t now = now_ms();
  if (now - iterator->issued_ms > config_.iterator_ttl_ms) {
    return expired_iterator("Iterator expired. The iterator was created at time " + amz_utc_string(iterator->issued_ms) +
                            " while right now it is " + amz_utc_string(now) +
                            " which is further in the future than the tolerated delay of " +
                            std::to_string(config_.iterator_ttl_ms) + " milliseconds.");
  }
  maintain();
  std::shared_lock lock(mutex_);
  const std::string& name = iterator->stream_name;
  const std::string shard_id = shard_id_for(iterator->shard_index);
  Stream* stream = find(name);
  if (stream == nullptr || stream->created_ms != iterator->stream_created_ms ||
      (stream->status != StreamStatus::kActive && stream->status != StreamStatus::kUpdating)) {
    return resource_not_found(shard_missing_message(shard_id, name, config_.account_id));
  }
  std::shared_lock stream_lock(stream->mutex);
  if (iterator->shard_index >= stream->shards.size()) {
    return resource_not_found(shard_missing_message(shard_id, name, config_.account_id));
  }
  Shard& shard = *stream->shards[iterator->shard_index];
  GetRecordsResult result;
  result.stream_name = name;
  result.shard_id = shard.id;
  result.encryption_type = stream->encryption_type;
  {
    std::lock_guard shard_lock(shard.mutex);
    const std::int64_t now_ns = steady_ns();
    if (!shard.read_bytes.positive(now_ns) || !shard.read_calls.try_take(1, now_ns)) {
      return throughput_exceeded("Rate exceeded for shard " + shard.id + " in stream " + name + " under account " +
                                 config_.account_id + ".");
    }
    shard.log->trim_before(now - stream->retention_ms());
    thread_local std::vector<StoredRecord> batch;
    batch.clear();
    const std::uint64_t next = shard.log->read(iterator->position, limit, config_.limits.max_get_records_bytes, batch);
    for (const StoredRecord& record : batch) {
      sink.record(record, SequenceParts{shard.index, shard.created_ms, record.counter});
      result.bytes += record.partition_key.size() + record.data.size();
    }
    result.records = batch.size();
    shard.read_bytes.force_take(static_cast<double>(result.bytes), now_ns);
    const std::uint64_t end = shard.log->next_counter();
    const std::int64_t behind_arrival = next < end ? shard.log->arrival_of(next) : -1;
    result.millis_behind_latest = behind_arrival < 0 ? 0 : std::max<std::int64_t>(0, now - behind_arrival);
    if (!shard.open && next >= end) {
      // A closed shard read to its end: no next iterator; point the reader at the children.
      result.child_shards = children_of(*stream, shard);
    } else {
      result.next_iterator = iterators_.encode(IteratorState{now, stream->created_ms, shard.index, next, name});
    }
  }
  return result;
}

// ---- enhanced fan-out --------------------------------------------------------------------------

Result<SubscriptionCursor> Engine::start_subscription(const std::string& stream_name, const std::string& consumer_name,
                                                      std::string_view consumer_arn, std::string_view shard_id, IteratorType type,
                                                      std::string_view starting_sequence, std::int64_t timestamp_ms) {
  maintain();
  std::shared_lock lock(mutex_);
  auto found = require(stream_name);
  if (!found) return found.error();
  Stream& stream = **found;
  // Exclusive: the consumer's subscription slot changes.
  std::unique_lock stream_lock(stream.mutex);
  if (stream.status != StreamStatus::kActive && stream.status != StreamStatus::kUpdating) {
    return resource_not_found(not_found_message(stream_name, config_.account_id));
  }
  auto consumer = stream.consumers.find(consumer_name);
  if (consumer == stream.consumers.end() || consumer->second.arn != consumer_arn) {
    return resource_not_found("Consumer " + std::string(consumer_arn) + " under stream " + stream_name +
                              " under account " + config_.account_id + " not found.");
  }
  if (consumer->second.status != "ACTIVE") {
    return resource_in_use("Consumer " + consumer->second.arn + " is not in ACTIVE state (" + consumer->second.status +
                           ").");
  }
  const std::int64_t now = now_ms();
  const auto index = parse_shard_id(shard_id);
  const std::string canonical = index ? shard_id_for(*index) : std::string(shard_id);
  if (!index || *index >= stream.shards.size() || !shard_visible(stream, *stream.shards[*index], now)) {
    return resource_not_found(shard_missing_message(canonical, stream_name, config_.account_id));
  }
  Shard& shard = *stream.shards[*index];
  auto& slot = consumer->second.subscriptions[shard.index];
  if (slot.generation != 0 && now - slot.started_ms < kResubscribeIntervalMs) {
    return resource_in_use("Another active subscription exists for consumer " + consumer->second.arn + " on shard " +
                           shard.id + ". Wait " + std::to_string(kResubscribeIntervalMs / 1000) +
                           " seconds after the last SubscribeToShard before calling it again.");
  }
  SubscriptionCursor cursor;
  {
    std::lock_guard shard_lock(shard.mutex);
    shard.log->trim_before(now - stream.retention_ms());
    auto position = start_position(stream, shard, type, starting_sequence, timestamp_ms, "SubscribeToShard");
    if (!position) return position.error();
    cursor.position = *position;
  }
  slot.started_ms = now;
  ++slot.generation;
  cursor.stream_name = stream_name;
  cursor.consumer_name = consumer_name;
  cursor.stream_created_ms = stream.created_ms;
  cursor.shard_index = shard.index;
  cursor.shard_id = shard.id;
  cursor.generation = slot.generation;
  return cursor;
}

Result<SubscriptionRead> Engine::read_subscription(SubscriptionCursor& cursor, std::size_t max_bytes, RecordSink& sink) {
  maintain();
  std::shared_lock lock(mutex_);
  Stream* stream = find(cursor.stream_name);
  if (stream == nullptr || stream->created_ms != cursor.stream_created_ms ||
      (stream->status != StreamStatus::kActive && stream->status != StreamStatus::kUpdating)) {
    return resource_not_found(not_found_message(cursor.stream_name, config_.account_id));
  }
  std::shared_lock stream_lock(stream->mutex);
  auto consumer = stream->consumers.find(cursor.consumer_name);
  if (consumer == stream->consumers.end() || consumer->second.status != "ACTIVE") {
    return resource_not_found("Consumer " + cursor.consumer_name + " under stream " + cursor.stream_name +
                              " under account " + config_.account_id + " not found.");
  }
  auto slot = consumer->second.subscriptions.find(cursor.shard_index);
  if (slot == consumer->second.subscriptions.end() || slot->second.generation != cursor.generation) {
    return resource_in_use("A newer SubscribeToShard for consumer " + consumer->second.arn + " on shard " +
                           cursor.shard_id + " took over this subscription.");
  }
  Shard& shard = *stream->shards[cursor.shard_index];
  const std::int64_t now = now_ms();
  SubscriptionRead result;
  std::lock_guard shard_lock(shard.mutex);
  shard.log->trim_before(now - stream->retention_ms());
  // Records trimmed while the subscriber lagged are skipped, as a GetRecords reader would find.
  cursor.position = std::max(cursor.position, shard.log->first_counter());
  thread_local std::vector<StoredRecord> batch;
  batch.clear();
  const std::uint64_t next = shard.log->read(cursor.position, 10000, max_bytes, batch);
  for (const StoredRecord& record : batch) {
    sink.record(record, SequenceParts{shard.index, shard.created_ms, record.counter});
    result.bytes += record.partition_key.size() + record.data.size();
  }
  result.records = batch.size();
  cursor.position = next;
  const std::uint64_t end = shard.log->next_counter();
  const std::int64_t behind_arrival = next < end ? shard.log->arrival_of(next) : -1;
  result.millis_behind_latest = behind_arrival < 0 ? 0 : std::max<std::int64_t>(0, now - behind_arrival);
  if (!shard.open && next >= end) {
    result.shard_ended = true;
    result.child_shards = children_of(*stream, shard);
  } else {
    // The counter before the next record: AFTER_SEQUENCE_NUMBER with it resumes exactly here.
    result.continuation_sequence = format_sequence({shard.index, shard.created_ms, next == 0 ? 0 : next - 1});
  }
  return result;
}

// ---- admin -----------------------------------------------------------------------------------

EngineState Engine::state() {
  maintain();
  std::shared_lock lock(mutex_);
  EngineState out;
  for (const auto& [name, stream] : streams_) {
    std::shared_lock stream_lock(stream->mutex);
    EngineState::StreamState s;
    s.name = name;
    s.status = std::string(to_string(stream->status));
    s.mode = std::string(to_string(stream->mode));
    for (const auto& shard : stream->shards) {
      std::lock_guard shard_lock(shard->mutex);
      EngineState::ShardState st{shard->id, shard->open, shard->log->stored_records(), shard->log->stored_bytes()};
      s.records += st.records;
      s.bytes += st.bytes;
      out.reserved_bytes += shard->log->reserved_bytes();
      s.shards.push_back(std::move(st));
    }
    out.records += s.records;
    out.bytes += s.bytes;
    out.streams.push_back(std::move(s));
  }
  return out;
}

void Engine::reset() {
  std::unique_lock lock(mutex_);
  auto gone = std::move(streams_);
  streams_.clear();
  for (auto& [name, stream] : gone) {
    const std::string stream_name = stream->name;
    const std::int64_t created = stream->created_ms;
    stream.reset();  // closes its files first
    if (store_) {
      Status removed = store_->remove(stream_name, created);
      if (!removed.ok()) spdlog::error("emulator: {}", removed.error().message);
    }
  }
  next_due_ms_.store(INT64_MAX);
  std::lock_guard rate_lock(rate_mutex_);
  control_buckets_.clear();
}

// ---- durability ------------------------------------------------------------------------------

namespace {

using nlohmann::json;

StreamStatus status_from(const std::string& text) {
  if (text == "CREATING") return StreamStatus::kCreating;
  if (text == "UPDATING") return StreamStatus::kUpdating;
  if (text == "DELETING") return StreamStatus::kDeleting;
  return StreamStatus::kActive;
}

json range_json(const HashRange& range) { return json::array({format_hash_key(range.start), format_hash_key(range.end)}); }

HashRange range_from(const json& j) {
  return HashRange{parse_hash_key(j.at(0).get<std::string>()).value(), parse_hash_key(j.at(1).get<std::string>()).value()};
}

json optional_index(const std::optional<std::uint32_t>& value) { return value ? json(*value) : json(nullptr); }

std::optional<std::uint32_t> index_from(const json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<std::uint32_t>();
}

}  // namespace

Status Engine::attach_storage(std::unique_ptr<StreamStore> store, bool load, std::string iterator_key) {
  store_ = std::move(store);
  if (!iterator_key.empty()) iterators_.set_key(std::move(iterator_key));
  if (!load) return ok_status();
  auto documents = store_->load_all();
  if (!documents) return std::move(documents).error();
  std::unique_lock lock(mutex_);
  for (const std::string& document : *documents) KWB_RETURN_IF_ERROR(load_stream(document));
  return ok_status();
}

std::string Engine::encode_stream(const Stream& stream) const {
  // The whole stream, lifecycle included: a change that was due while the emulator was down is
  // applied by the first call after the restart, as if it had never stopped.
  json shards = json::array();
  for (const auto& shard : stream.shards) {
    shards.push_back({{"index", shard->index},
                      {"parent", optional_index(shard->parent)},
                      {"adjacent", optional_index(shard->adjacent)},
                      {"range", range_json(shard->range)},
                      {"created_ms", shard->created_ms},
                      {"open", shard->open},
                      {"closed_ms", shard->closed_ms},
                      {"ending_counter", shard->ending_counter}});
  }
  json consumers = json::array();
  for (const auto& [name, c] : stream.consumers) {
    consumers.push_back({{"name", c.name}, {"arn", c.arn}, {"status", c.status}, {"created_ms", c.created_ms},
                         {"due_ms", c.due_ms}, {"tags", c.tags}});
  }
  json pending = {{"kind", static_cast<int>(stream.pending.kind)},
                  {"mode", std::string(to_string(stream.pending.mode))},
                  {"encrypt", stream.pending.encrypt},
                  {"key_id", stream.pending.key_id}};
  json ranges = json::array();
  for (const HashRange& r : stream.pending.ranges) ranges.push_back(range_json(r));
  pending["ranges"] = std::move(ranges);
  if (stream.pending.merge_order) {
    pending["merge_order"] = json::array({stream.pending.merge_order->first, stream.pending.merge_order->second});
  }
  json document = {{"version", 1},
                   {"name", stream.name},
                   {"arn", stream.arn},
                   {"created_ms", stream.created_ms},
                   {"status", std::string(to_string(stream.status))},
                   {"due_ms", stream.due_ms},
                   {"mode", std::string(to_string(stream.mode))},
                   {"retention_hours", stream.retention_hours},
                   {"encryption_type", stream.encryption_type},
                   {"key_id", stream.key_id},
                   {"metrics", stream.metrics},
                   {"tags", stream.tags},
                   {"shard_count_updates", stream.shard_count_updates},
                   {"pending", std::move(pending)},
                   {"shards", std::move(shards)},
                   {"consumers", std::move(consumers)}};
  return document.dump(1);
}

Status Engine::load_stream(std::string_view document) {
  auto stream = std::make_unique<Stream>();
  try {
    const json j = json::parse(document);
    if (j.at("version").get<int>() != 1) return Error::io("unknown stream document version");
    stream->name = j.at("name").get<std::string>();
    stream->arn = j.at("arn").get<std::string>();
    stream->created_ms = j.at("created_ms").get<std::int64_t>();
    stream->status = status_from(j.at("status").get<std::string>());
    stream->due_ms = j.at("due_ms").get<std::int64_t>();
    stream->mode = j.at("mode").get<std::string>() == "ON_DEMAND" ? StreamMode::kOnDemand : StreamMode::kProvisioned;
    stream->retention_hours = j.at("retention_hours").get<int>();
    stream->encryption_type = j.at("encryption_type").get<std::string>();
    stream->key_id = j.at("key_id").get<std::string>();
    stream->metrics = j.at("metrics").get<std::set<std::string>>();
    stream->tags = j.at("tags").get<std::map<std::string, std::string>>();
    for (const auto& t : j.at("shard_count_updates")) stream->shard_count_updates.push_back(t.get<std::int64_t>());
    const json& p = j.at("pending");
    stream->pending.kind = static_cast<PendingChange::Kind>(p.at("kind").get<int>());
    stream->pending.mode = p.at("mode").get<std::string>() == "ON_DEMAND" ? StreamMode::kOnDemand : StreamMode::kProvisioned;
    stream->pending.encrypt = p.at("encrypt").get<bool>();
    stream->pending.key_id = p.at("key_id").get<std::string>();
    for (const auto& r : p.at("ranges")) stream->pending.ranges.push_back(range_from(r));
    if (p.contains("merge_order")) {
      stream->pending.merge_order = std::pair{p["merge_order"].at(0).get<std::uint32_t>(), p["merge_order"].at(1).get<std::uint32_t>()};
    }
    for (const auto& js : j.at("shards")) {
      auto shard = std::make_unique<Shard>();
      shard->index = js.at("index").get<std::uint32_t>();
      if (shard->index != stream->shards.size()) return Error::io("stream document of " + stream->name + ": shard gap");
      shard->id = shard_id_for(shard->index);
      shard->parent = index_from(js.at("parent"));
      shard->adjacent = index_from(js.at("adjacent"));
      shard->range = range_from(js.at("range"));
      shard->created_ms = js.at("created_ms").get<std::int64_t>();
      shard->open = js.at("open").get<bool>();
      shard->closed_ms = js.at("closed_ms").get<std::int64_t>();
      shard->ending_counter = js.at("ending_counter").get<std::uint64_t>();
      LogRecovery recovery;
      auto log = store_->open_shard_log(stream->name, stream->created_ms, shard->index, &recovery);
      if (!log) return std::move(log).error();
      if (recovery.truncated_bytes > 0) {
        spdlog::warn("emulator: {} {}: dropped a torn write of {} bytes at the end of the log", stream->name, shard->id,
                     recovery.truncated_bytes);
      }
      shard->log = std::move(*log);
      init_buckets(*shard);
      stream->shards.push_back(std::move(shard));
    }
    for (const auto& jc : j.at("consumers")) {
      Consumer c;
      c.name = jc.at("name").get<std::string>();
      c.arn = jc.at("arn").get<std::string>();
      c.status = jc.at("status").get<std::string>();
      c.created_ms = jc.at("created_ms").get<std::int64_t>();
      c.due_ms = jc.at("due_ms").get<std::int64_t>();
      c.tags = jc.at("tags").get<std::map<std::string, std::string>>();
      schedule(c.due_ms);
      stream->consumers.emplace(c.name, std::move(c));
    }
  } catch (const std::exception& e) {
    return Error::io("cannot load a stream document: " + std::string(e.what()));
  }
  rebuild_routing(*stream);
  schedule(stream->due_ms);
  if (auto old = streams_.find(stream->name); old != streams_.end()) {
    // Two generations of one name: a crash between re-creating and removing. The newer wins.
    if (old->second->created_ms > stream->created_ms) {
      forget(*stream);
      return ok_status();
    }
    forget(*old->second);
    streams_.erase(old);
  }
  streams_.emplace(stream->name, std::move(stream));
  return ok_status();
}

Status Engine::persist(const Stream& stream) {
  if (!store_) return ok_status();
  Status saved = store_->save(stream.name, stream.created_ms, encode_stream(stream));
  if (saved.ok()) return saved;
  spdlog::error("emulator: {}", saved.error().message);
  return internal_failure("Could not store the stream's state.");
}

void Engine::forget(const Stream& stream) {
  if (!store_) return;
  Status removed = store_->remove(stream.name, stream.created_ms);
  if (!removed.ok()) spdlog::error("emulator: {}", removed.error().message);
}

}  // namespace kwb::emulator
