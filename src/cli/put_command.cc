// `kwb put STREAM`: write one record (--data) or every line of stdin, batched into PutRecords.
//
// Batches flush at 500 records or 5 MiB, the PutRecords limits. Records that fail inside a
// successful call (throttled shard, internal failure) are retried with backoff a bounded number
// of times; what still fails is reported and makes the exit status non-zero.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <istream>
#include <map>
#include <memory>
#include <ostream>

#include "cli/commands.h"
#include "cli/context.h"

namespace kwb::cli {

namespace {

using nlohmann::json;

struct PutOptions {
  std::string stream;
  std::string data;
  bool has_data = false;
  std::string partition_key;
  std::string explicit_hash_key;
  int batch_size = 500;
  int max_attempts = 5;
};

struct PutStats {
  std::size_t put = 0;
  std::size_t failed = 0;
  std::map<std::string, std::size_t> per_shard;
  std::map<std::string, std::size_t> errors;  // ErrorCode -> count, for the final message
};

// 16 hex digits: spreads records over every shard when no --partition-key is given.
std::string random_key(Random& random) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(random.next_u64()));
  return buffer;
}

class Batcher {
 public:
  Batcher(kinesis::Client& client, const kinesis::StreamRef& stream, const PutOptions& options, Context& context)
      : client_(client), stream_(stream), options_(options), context_(context) {}

  Status add(kinesis::PutRecordsEntry entry) {
    const std::size_t size = entry.data.size() + entry.partition_key.size();
    if (!pending_.empty() && (pending_.size() >= static_cast<std::size_t>(options_.batch_size) ||
                              pending_bytes_ + size > kinesis::kMaxPutRecordsBytes)) {
      KWB_RETURN_IF_ERROR(flush());
    }
    pending_bytes_ += size;
    pending_.push_back(std::move(entry));
    return ok_status();
  }

  Status flush() {
    std::vector<kinesis::PutRecordsEntry> batch = std::move(pending_);
    pending_.clear();
    pending_bytes_ = 0;
    auto delay = std::chrono::milliseconds(100);
    for (int attempt = 1; !batch.empty(); ++attempt) {
      auto response = client_.put_records({stream_, batch});
      if (!response) return context_.stream_error(response.error(), stream_);
      std::vector<kinesis::PutRecordsEntry> retry;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& result = response->records[i];
        if (result.ok()) {
          ++stats_.put;
          ++stats_.per_shard[result.shard_id ? result.shard_id->str() : "?"];
        } else if (attempt < options_.max_attempts) {
          retry.push_back(std::move(batch[i]));
        } else {
          ++stats_.failed;
          ++stats_.errors[result.error_code.value_or("unknown")];
        }
      }
      batch = std::move(retry);
      if (!batch.empty()) {
        context_.clock().sleep_for(delay);
        delay = std::min(delay * 2, std::chrono::milliseconds(2000));
      }
    }
    return ok_status();
  }

  [[nodiscard]] const PutStats& stats() const { return stats_; }

 private:
  kinesis::Client& client_;
  kinesis::StreamRef stream_;
  const PutOptions& options_;
  Context& context_;
  std::vector<kinesis::PutRecordsEntry> pending_;
  std::size_t pending_bytes_ = 0;
  PutStats stats_;
};

Status put_one(const PutOptions& options, const kinesis::StreamRef& stream, kinesis::Client& client,
               Context& context) {
  kinesis::PutRecordRequest request;
  request.stream = stream;
  request.data = options.data;
  request.partition_key = options.partition_key.empty() ? random_key(context.random()) : options.partition_key;
  if (!options.explicit_hash_key.empty()) request.explicit_hash_key = options.explicit_hash_key;
  auto response = client.put_record(request);
  if (!response) return context.stream_error(response.error(), stream);
  if (context.output() == OutputFormat::kJson) {
    print_json(context.out(), {{"shard_id", response->shard_id.str()}, {"sequence_number", response->sequence_number}});
  } else {
    context.out() << response->shard_id << ' ' << response->sequence_number << '\n';
  }
  return ok_status();
}

Status run_put(const PutOptions& options, Context& context) {
  kinesis::StreamRef stream = kinesis::StreamRef::parse(options.stream);
  KWB_RETURN_IF_ERROR(kinesis::validate_stream_ref(stream));
  if (!options.partition_key.empty()) KWB_RETURN_IF_ERROR(kinesis::validate_partition_key(options.partition_key));
  if (!options.explicit_hash_key.empty()) {
    KWB_RETURN_IF_ERROR(kinesis::validate_explicit_hash_key(options.explicit_hash_key));
  }
  if (options.has_data && options.data.size() + std::max<std::size_t>(options.partition_key.size(), 16) >
                              kinesis::kMaxRecordBytes) {
    return Error::invalid_input("--data", "record is " + std::to_string(options.data.size()) +
                                              " bytes; a record (data plus partition key) may be at most 1 MiB");
  }
  auto client = context.kinesis();
  if (!client) return client.error();
  if (options.has_data) return put_one(options, stream, **client, context);

  Batcher batcher(**client, stream, options, context);
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(context.in(), line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;  // blank lines carry nothing worth a record
    kinesis::PutRecordsEntry entry;
    entry.partition_key = options.partition_key.empty() ? random_key(context.random()) : options.partition_key;
    if (line.size() + entry.partition_key.size() > kinesis::kMaxRecordBytes) {
      return Error::invalid_input("stdin", "line " + std::to_string(line_number) + " is " +
                                               std::to_string(line.size()) +
                                               " bytes; a record (data plus partition key) may be at most 1 MiB");
    }
    entry.data = std::move(line);
    if (!options.explicit_hash_key.empty()) entry.explicit_hash_key = options.explicit_hash_key;
    KWB_RETURN_IF_ERROR(batcher.add(std::move(entry)));
  }
  KWB_RETURN_IF_ERROR(batcher.flush());
  const PutStats& stats = batcher.stats();
  if (context.output() == OutputFormat::kJson) {
    print_json(context.out(), {{"stream_name", stream.name()},
                               {"records", stats.put},
                               {"failed", stats.failed},
                               {"per_shard", stats.per_shard},
                               {"errors", stats.errors}});
  } else {
    context.out() << "put " << stats.put << (stats.put == 1 ? " record" : " records") << " to stream '"
                  << stream.name() << "'";
    if (stats.failed > 0) context.out() << " (" << stats.failed << " failed)";
    context.out() << '\n';
  }
  if (stats.failed > 0) {
    std::string reasons;
    for (const auto& [code, count] : stats.errors) {
      reasons += (reasons.empty() ? "" : ", ") + code + " x" + std::to_string(count);
    }
    Error error;
    error.kind = stats.errors.contains("ProvisionedThroughputExceededException") ? ErrorKind::kThrottling
                                                                                 : ErrorKind::kTransient;
    error.message = std::to_string(stats.failed) + " of " + std::to_string(stats.put + stats.failed) +
                    " records failed after " + std::to_string(options.max_attempts) + " attempts: " + reasons;
    return error;
  }
  return ok_status();
}

}  // namespace

void register_put_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<PutOptions>();
  CLI::App* put = app.add_subcommand(
      "put", "Put records: one with --data, else one per line of stdin (batched into PutRecords)");
  put->add_option("stream", options->stream, "stream name or ARN")->required();
  put->add_option("--data", options->data, "put this single record instead of reading stdin");
  put->add_option("--partition-key", options->partition_key, "partition key (default: a random key per record)");
  put->add_option("--explicit-hash-key", options->explicit_hash_key, "decimal hash key overriding the partition key");
  put->add_option("--batch-size", options->batch_size, "records per PutRecords call (1..500, default 500)")
      ->check(CLI::Range(1, 500));
  put->add_option("--max-attempts", options->max_attempts, "attempts per record for per-record failures (default 5)")
      ->check(CLI::Range(1, 20));
  put->callback([options, put, &context] {
    options->has_data = put->count("--data") > 0;
    context.set_action([options, &context] { return run_put(*options, context); });
  });
}

}  // namespace kwb::cli
