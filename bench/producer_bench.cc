// PutRecords throughput of our Kinesis code against a running endpoint (the kwb emulator with
// --no-limits, or kinesis-local), for bench/producer_compare.py (issues 2 and 6).
//
//   producer_bench --endpoint http://127.0.0.1:PORT --stream NAME [--mode producer|client]
//                  [--seconds 10] [--records 0] [--size 100] [--in-flight 4] [--buffer-mb 64]
//                  [--create --shards 8]
//
// --mode producer: the kwb Producer (src/kinesis/producer) with its per-shard limiter off, fed as
//   fast as put() accepts records (the bounded buffer blocks when full), then flushed.
// --mode client:   a plain loop of kinesis::Client::put_records with 500 records per call, one
//   request at a time: the same loop the boto3 and AWS SDK for JavaScript peers run.
// Submitting stops after --seconds (or --records, when given); the clock stops when every record
// is settled. Prints one JSON object: mode, acked, failed, bytes, seconds, records_per_s, mb_per_s,
// cpu_s (this process, user + system) and cpu_ms_per_mb. Talks only to the endpoint given.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "aws/session.h"
#include "core/clock.h"
#include "core/environment.h"
#include "core/random.h"
#include "kinesis/client.h"
#include "kinesis/producer/producer.h"
#include "kinesis/waiters.h"

using namespace kwb;

namespace {

struct Options {
  std::string endpoint;
  std::string stream;
  std::string mode = "producer";
  double seconds = 10;
  std::uint64_t records = 0;  // 0: no count limit
  std::size_t size = 100;
  int in_flight = 4;
  double buffer_mb = 64;  // the producer's default max_buffered_bytes
  bool create = false;
  int shards = 8;
};

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

struct Totals {
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;
  std::uint64_t bytes = 0;  // data + partition key of acked records (what Kinesis meters)
};

// Partition keys spread over the shards: the record counter in decimal.
std::string key_for(std::uint64_t i) { return std::to_string(i % 100000); }

Result<Totals> run_producer(const Options& o, kinesis::Client& client, const std::string& payload) {
  kinesis::producer::ClientSender sender(client);
  kinesis::producer::ProducerConfig config;
  config.stream = kinesis::StreamRef(StreamName(o.stream));
  config.shard_records_per_second = 0;  // limiter off: the endpoint runs without limits
  config.shard_bytes_per_second = 0;
  config.max_in_flight_requests = o.in_flight;
  config.linger = std::chrono::milliseconds(20);
  config.max_buffered_bytes = static_cast<std::size_t>(o.buffer_mb * 1024 * 1024);
  // A buffer below 1 MiB must still hold the largest record allowed (validated by the producer).
  config.max_record_bytes = std::min(config.max_record_bytes, config.max_buffered_bytes);
  auto producer = kinesis::producer::Producer::start(config, sender, SystemClock::instance(), process_random());
  if (!producer) return producer.error();
  std::atomic<std::uint64_t> acked{0}, failed{0}, bytes{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.seconds);
  for (std::uint64_t i = 0; o.records == 0 || i < o.records; ++i) {
    if ((i & 1023) == 0 && std::chrono::steady_clock::now() >= deadline) break;
    kinesis::producer::UserRecord record{key_for(i), payload, std::nullopt};
    const std::uint64_t metered = record.data.size() + record.partition_key.size();
    auto accepted = (*producer)->put(std::move(record), [&, metered](const kinesis::producer::RecordOutcome& outcome) {
      if (outcome.acked) {
        acked.fetch_add(1, std::memory_order_relaxed);
        bytes.fetch_add(metered, std::memory_order_relaxed);
      } else {
        failed.fetch_add(1, std::memory_order_relaxed);
      }
    });
    if (!accepted) return accepted.error();
  }
  Status closed = (*producer)->close(std::chrono::minutes(2));
  if (!closed.ok()) return closed.error();
  return Totals{acked.load(), failed.load(), bytes.load()};
}

Result<Totals> run_client_loop(const Options& o, kinesis::Client& client, const std::string& payload) {
  Totals totals;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.seconds);
  std::uint64_t next = 0;
  while (std::chrono::steady_clock::now() < deadline && (o.records == 0 || next < o.records)) {
    kinesis::PutRecordsRequest request;
    request.stream = kinesis::StreamRef(StreamName(o.stream));
    for (int k = 0; k < 500 && (o.records == 0 || next < o.records); ++k, ++next) {
      request.records.push_back({payload, key_for(next), std::nullopt});
    }
    auto response = client.put_records(request);
    if (!response) return response.error();
    for (std::size_t k = 0; k < response->records.size(); ++k) {
      if (response->records[k].ok()) {
        ++totals.acked;
        totals.bytes += payload.size() + request.records[k].partition_key.size();
      } else {
        ++totals.failed;
      }
    }
  }
  return totals;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--endpoint") o.endpoint = value();
    else if (arg == "--stream") o.stream = value();
    else if (arg == "--mode") o.mode = value();
    else if (arg == "--seconds") o.seconds = std::stod(value());
    else if (arg == "--records") o.records = std::stoull(value());
    else if (arg == "--size") o.size = std::stoul(value());
    else if (arg == "--in-flight") o.in_flight = std::stoi(value());
    else if (arg == "--buffer-mb") o.buffer_mb = std::stod(value());
    else if (arg == "--shards") o.shards = std::stoi(value());
    else if (arg == "--create") o.create = true;
    else {
      std::cerr << "usage: producer_bench --endpoint URL --stream NAME [--mode producer|client] [--seconds S]"
                   " [--records N] [--size BYTES] [--in-flight N] [--buffer-mb MB] [--create --shards N]\n";
      return 2;
    }
  }
  if (o.endpoint.empty() || o.stream.empty() || (o.mode != "producer" && o.mode != "client")) {
    std::cerr << "producer_bench: --endpoint and --stream are required; --mode is producer or client\n";
    return 2;
  }
  // Dummy credentials: the bench only talks to a local endpoint.
  MapEnvironment env({{"AWS_ACCESS_KEY_ID", "bench"}, {"AWS_SECRET_ACCESS_KEY", "bench"}, {"AWS_REGION", "us-east-1"}});
  aws::SessionOptions options;
  options.endpoint_url = o.endpoint;
  auto session = aws::AwsSession::create(options, env, SystemClock::instance(), process_random());
  if (!session) {
    std::cerr << "producer_bench: " << session.error().describe() << "\n";
    return 1;
  }
  kinesis::Client client = kinesis::Client::from_session(**session);
  if (o.create) {
    kinesis::CreateStreamRequest request;
    request.stream_name = StreamName(o.stream);
    request.shard_count = o.shards;
    Status created = client.create_stream(request);
    if (!created.ok() && created.error().kind != ErrorKind::kConflict) {
      std::cerr << "producer_bench: create: " << created.error().describe() << "\n";
      return 1;
    }
    kinesis::WaitOptions wait;
    wait.initial_delay = std::chrono::milliseconds(50);
    wait.timeout = std::chrono::minutes(2);
    auto active =
        kinesis::wait_for_stream_active(client, kinesis::StreamRef(StreamName(o.stream)), SystemClock::instance(), wait);
    if (!active) {
      std::cerr << "producer_bench: wait for ACTIVE: " << active.error().describe() << "\n";
      return 1;
    }
  }
  const std::string payload(o.size, 'x');
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  Result<Totals> totals = o.mode == "producer" ? run_producer(o, client, payload) : run_client_loop(o, client, payload);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  if (!totals) {
    std::cerr << "producer_bench: " << totals.error().describe() << "\n";
    return 1;
  }
  const double mb = double(totals->bytes) / 1e6;
  nlohmann::json out = {{"mode", o.mode},
                        {"acked", totals->acked},
                        {"failed", totals->failed},
                        {"bytes", totals->bytes},
                        {"seconds", seconds},
                        {"records_per_s", double(totals->acked) / seconds},
                        {"mb_per_s", mb / seconds},
                        {"cpu_s", cpu},
                        {"cpu_ms_per_mb", mb > 0 ? cpu * 1000 / mb : 0.0}};
  std::cout << out.dump() << "\n";
  return totals->failed == 0 ? 0 : 1;
}
