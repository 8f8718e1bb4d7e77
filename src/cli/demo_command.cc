// `kwb demo`: fills a kwb emulator with four streams that each show one thing the analyzer finds,
// so a newcomer's first `kwb analyze` (or the bulk-analysis page) shows real findings.
//
//   demo-orders   2 shards, healthy: steady writes through the reliable producer, read by a consumer
//   demo-clicks   1 shard, under-provisioned: bursts above 1,000 records/s, throttled and retried
//   demo-events   1 shard, lagging consumer: iterator age rising towards the 24 h retention
//   demo-archive  4 shards, idle: paid-for capacity nobody uses
//
// Live traffic drives the first two (so their metrics are the emulator's own), and three hours of
// history are seeded through POST /_kwb/metrics/seed so a 3 h analysis window has data from the
// first minute. Seeding is an emulator-only endpoint: the command checks /_kwb/health first and
// refuses to run against anything that is not a kwb emulator, so it never creates streams in a
// real AWS account by mistake.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "aws/http_client.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "core/encoding.h"
#include "kinesis/consumer/consumer.h"
#include "kinesis/producer/producer.h"
#include "kinesis/waiters.h"

namespace kwb::cli {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr double kMiB = 1024.0 * 1024.0;
constexpr int kHistoryMinutes = 180;

struct DemoOptions {
  std::string prefix = "demo-";
  double duration_seconds = 0;  // 0: until Ctrl-C
  bool seed_history = true;
  bool traffic = true;
  double orders_rate = 600;   // records/s into the healthy stream (2 shards: 30% of the record limit)
  double clicks_rate = 1800;  // records/s into the 1-shard stream during a burst
};

struct DemoStream {
  std::string suffix;
  int shards;
  std::string story;
};

const std::vector<DemoStream>& demo_streams() {
  static const std::vector<DemoStream> streams = {
      {"orders", 2, "healthy: steady writes, a consumer keeping up"},
      {"clicks", 1, "under-provisioned: bursts above 1,000 records/s are throttled"},
      {"events", 1, "lagging consumer: iterator age rising towards retention"},
      {"archive", 4, "idle: four shards paid for, none used"},
  };
  return streams;
}

// One seeded series: one value per minute, ending one minute before `now`'s minute.
json minute_series(const std::string& stream, const std::string& metric, const std::vector<double>& values,
                   SystemTimePoint now) {
  const auto minute = std::chrono::time_point_cast<std::chrono::minutes>(now);
  const auto start = minute - std::chrono::minutes(values.size());
  return {{"namespace", "AWS/Kinesis"},
          {"metric", metric},
          {"dimensions", {{"StreamName", stream}}},
          {"start", format_iso8601_millis(start)},
          {"period", 60},
          {"values", values}};
}

// Three hours of history per stream, shaped like the story each one tells. Values are per-minute
// Sums (records, bytes, throttled records) or per-minute Maximums (iterator age), as CloudWatch
// stores them. A little deterministic wobble keeps the charts from looking synthetic-flat.
json history(const std::string& prefix, SystemTimePoint now) {
  const int n = kHistoryMinutes;
  auto wobble = [](int i, double amplitude) { return 1.0 + amplitude * std::sin(i / 7.0) * std::cos(i / 23.0); };
  std::vector<double> orders_records(n), orders_bytes(n), orders_age(n), orders_get(n);
  std::vector<double> clicks_records(n), clicks_bytes(n), clicks_throttled(n);
  std::vector<double> events_records(n), events_bytes(n), events_age(n);
  std::vector<double> archive_records(n), archive_bytes(n);
  for (int i = 0; i < n; ++i) {
    orders_records[i] = 600 * 60 * wobble(i, 0.15);
    orders_bytes[i] = orders_records[i] * 300;
    orders_get[i] = orders_records[i];
    orders_age[i] = 400 * wobble(i, 0.5);
    // Clicks: near the shard's limit all the time, over it every tenth minute.
    const bool burst = i % 10 == 0;
    clicks_records[i] = (burst ? 1000 : 850 * wobble(i, 0.1)) * 60;
    clicks_bytes[i] = clicks_records[i] * 200;
    clicks_throttled[i] = burst ? 700 * 60 : 0;
    // Events: a consumer stuck since an hour before the window, falling 4.3 h further behind per hour.
    events_records[i] = 120 * 60 * wobble(i, 0.2);
    events_bytes[i] = events_records[i] * 500;
    events_age[i] = (1.0 + 13.0 * i / (n - 1)) * 3600 * 1000;
    archive_records[i] = i % 30 == 0 ? 3 : 0;
    archive_bytes[i] = archive_records[i] * 1024;
  }
  const std::string orders = prefix + "orders", clicks = prefix + "clicks", events = prefix + "events",
                    archive = prefix + "archive";
  return {{"series",
           {minute_series(orders, "IncomingRecords", orders_records, now),
            minute_series(orders, "IncomingBytes", orders_bytes, now),
            minute_series(orders, "PutRecords.Records", orders_records, now),
            minute_series(orders, "GetRecords.Records", orders_get, now),
            minute_series(orders, "GetRecords.IteratorAgeMilliseconds", orders_age, now),
            minute_series(clicks, "IncomingRecords", clicks_records, now),
            minute_series(clicks, "IncomingBytes", clicks_bytes, now),
            minute_series(clicks, "WriteProvisionedThroughputExceeded", clicks_throttled, now),
            minute_series(clicks, "PutRecords.ThrottledRecords", clicks_throttled, now),
            minute_series(events, "IncomingRecords", events_records, now),
            minute_series(events, "IncomingBytes", events_bytes, now),
            minute_series(events, "GetRecords.IteratorAgeMilliseconds", events_age, now),
            minute_series(archive, "IncomingRecords", archive_records, now),
            minute_series(archive, "IncomingBytes", archive_bytes, now)}}};
}

// The emulator's admin endpoints share the Kinesis port.
Result<aws::HttpResponse> admin_call(aws::HttpTransport& transport, const std::string& endpoint,
                                     const std::string& method, const std::string& path, const std::string& body) {
  aws::HttpRequest request;
  request.method = method;
  request.url = endpoint + path;
  if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
  request.body = body;
  return transport.send(request);
}

Status require_emulator(aws::HttpTransport& transport, const std::string& endpoint) {
  auto health = admin_call(transport, endpoint, "GET", "/_kwb/health", "");
  if (!health || health->status != 200) {
    return Error::invalid_input("endpoint-url", "kwb demo only runs against a kwb emulator (or kwb serve --embedded); " +
                                                    endpoint + " did not answer /_kwb/health");
  }
  return ok_status();
}

// Creates the stream if it does not exist yet (a rerun reuses the streams), then waits for ACTIVE.
Status ensure_stream(kinesis::Client& client, Clock& clock, const std::string& name, int shards) {
  kinesis::CreateStreamRequest request;
  request.stream_name = StreamName(name);
  request.shard_count = shards;
  request.tags = {{"kwb:demo", "true"}};
  auto created = client.create_stream(request);
  if (!created.ok() && created.error().code != "ResourceInUseException") return created;
  kinesis::WaitOptions wait;
  wait.timeout = 60s;
  auto active = kinesis::wait_for_stream_active(client, kinesis::StreamRef(StreamName(name)), clock, wait);
  if (!active) return active.error();
  return ok_status();
}

// A ~300-byte order or ~200-byte click event, JSON like a real producer would send.
std::string order_payload(std::uint64_t i, Random& random) {
  char buffer[320];
  std::snprintf(buffer, sizeof buffer,
                R"({"order_id":"o-%08llu","customer":"c-%04llu","items":%llu,"total_cents":%llu,)"
                R"("currency":"EUR","channel":"web","note":"%s"})",
                static_cast<unsigned long long>(i), static_cast<unsigned long long>(random.next_u64() % 5000),
                static_cast<unsigned long long>(1 + random.next_u64() % 9),
                static_cast<unsigned long long>(random.next_u64() % 100000),
                std::string(160, 'x').c_str());
  return buffer;
}

std::string click_payload(std::uint64_t i, Random& random) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, R"({"click":%llu,"session":"s-%06llu","page":"/p/%llu","pad":"%s"})",
                static_cast<unsigned long long>(i), static_cast<unsigned long long>(random.next_u64() % 100000),
                static_cast<unsigned long long>(random.next_u64() % 400), std::string(100, 'y').c_str());
  return buffer;
}

class DemoRun {
 public:
  DemoRun(const DemoOptions& options, Context& context, kinesis::Client& client)
      : options_(options), context_(context), client_(client) {}

  Status run() {
    auto session = context_.session();
    if (!session) return session.error();
    const std::string endpoint = (*session)->endpoint(aws::Service::kKinesis);
    auto transport = aws::make_curl_transport({});
    KWB_RETURN_IF_ERROR(require_emulator(*transport, endpoint));

    for (const auto& s : demo_streams()) {
      const std::string name = options_.prefix + s.suffix;
      KWB_RETURN_IF_ERROR(ensure_stream(client_, context_.clock(), name, s.shards));
      context_.out() << "  " << name << " (" << s.shards << (s.shards == 1 ? " shard" : " shards") << "): " << s.story
                     << "\n";
    }
    if (options_.seed_history) {
      auto seeded = admin_call(*transport, endpoint, "POST", "/_kwb/metrics/seed",
                               history(options_.prefix, context_.clock().now()).dump());
      if (!seeded) return seeded.error();
      if (seeded->status != 200) return Error::internal("seeding metrics failed: HTTP " + std::to_string(seeded->status) + " " + seeded->body);
      context_.out() << "  seeded " << kHistoryMinutes / 60 << " hours of AWS/Kinesis history\n";
    }
    context_.out() << std::flush;
    if (!options_.traffic) return ok_status();
    return drive_traffic();
  }

 private:
  Status drive_traffic() {
    namespace producer = kinesis::producer;
    namespace consumer = kinesis::consumer;
    producer::ClientSender sender(client_);

    // The healthy stream: the producer's per-shard limiter keeps it under the shard limits.
    producer::ProducerConfig orders_config;
    orders_config.stream = kinesis::StreamRef(StreamName(options_.prefix + "orders"));
    auto orders = producer::Producer::start(orders_config, sender, context_.clock(), context_.random());
    if (!orders) return orders.error();

    // The under-provisioned stream: the limiter is off, so the emulator throttles and the producer
    // retries the failed records (the analyzer then sees WriteProvisionedThroughputExceeded).
    producer::ProducerConfig clicks_config;
    clicks_config.stream = kinesis::StreamRef(StreamName(options_.prefix + "clicks"));
    clicks_config.shard_records_per_second = 0;
    clicks_config.shard_bytes_per_second = 0;
    clicks_config.record_ttl = 120s;
    auto clicks = producer::Producer::start(clicks_config, sender, context_.clock(), context_.random());
    if (!clicks) return clicks.error();

    producer::ProducerConfig events_config;
    events_config.stream = kinesis::StreamRef(StreamName(options_.prefix + "events"));
    auto events = producer::Producer::start(events_config, sender, context_.clock(), context_.random());
    if (!events) return events.error();

    consumer::ClientBackend backend(client_);
    consumer::ConsumerConfig reader_config;
    reader_config.stream = orders_config.stream;
    reader_config.start = consumer::StartPosition::kLatest;
    reader_config.reader_threads = 2;
    std::atomic<std::uint64_t> read{0};
    auto reader = consumer::Consumer::start(
        reader_config, backend, [&read](const ShardId&, const kinesis::Record&) { read.fetch_add(1); },
        context_.clock(), context_.random());
    if (!reader) return reader.error();

    std::atomic<std::uint64_t> failed{0};
    auto count_failure = [&failed](const producer::RecordOutcome& outcome) {
      if (!outcome.acked) failed.fetch_add(1);
    };

    Clock& clock = context_.clock();
    const auto start = clock.steady_now();
    auto next_report = start + 5s;
    std::uint64_t sent_orders = 0, sent_clicks = 0, sent_events = 0;
    // Ticks of 100 ms: each sends its share of the per-second rates.
    for (std::uint64_t tick = 0;; ++tick) {
      if (Context::interrupted().load()) break;
      const auto now = clock.steady_now();
      const double elapsed = std::chrono::duration<double>(now - start).count();
      if (options_.duration_seconds > 0 && elapsed >= options_.duration_seconds) break;

      const auto orders_due = static_cast<std::uint64_t>(elapsed * options_.orders_rate);
      for (; sent_orders < orders_due; ++sent_orders) {
        auto put = (*orders)->put({"customer-" + std::to_string(sent_orders % 97), order_payload(sent_orders, context_.random()),
                                  std::nullopt},
                                 count_failure);
        if (!put) return put.error();
      }
      // Clicks burst for 10 s of every 30 s, at clicks_rate; a trickle otherwise.
      const bool bursting = std::fmod(elapsed, 30.0) < 10.0;
      const double clicks_rate = bursting ? options_.clicks_rate : 50;
      const auto clicks_due = sent_clicks + static_cast<std::uint64_t>(clicks_rate / 10);
      for (; sent_clicks < clicks_due; ++sent_clicks) {
        auto put = (*clicks)->put({"session-" + std::to_string(context_.random().next_u64() % 100000),
                                   click_payload(sent_clicks, context_.random()), std::nullopt},
                                  count_failure);
        if (!put) return put.error();
      }
      if (tick % 10 == 0) {  // 10 records/s into the lagging stream; nobody reads it
        for (int i = 0; i < 10; ++i, ++sent_events) {
          auto put = (*events)->put({"device-" + std::to_string(sent_events % 13), order_payload(sent_events, context_.random()),
                                     std::nullopt},
                                    count_failure);
          if (!put) return put.error();
        }
      }

      if (now >= next_report) {
        next_report = now + 5s;
        const auto o = (*orders)->counters();
        const auto c = (*clicks)->counters();
        context_.err() << "demo " << static_cast<int>(elapsed) << "s: " << options_.prefix << "orders acked "
                       << o.acked << ", read " << read.load() << " | " << options_.prefix << "clicks acked " << c.acked
                       << ", throttled " << c.throttled << ", retried " << c.retried << " | failed " << failed.load()
                       << "\n"
                       << std::flush;
      }
      clock.sleep_for(100ms);  // pacing: real traffic, on the injected clock
    }

    const Status closed_orders = (*orders)->close(30s);
    const Status closed_clicks = (*clicks)->close(120s);
    const Status closed_events = (*events)->close(30s);
    (*reader)->stop();
    const auto o = (*orders)->counters();
    const auto c = (*clicks)->counters();
    context_.out() << "demo traffic: " << o.acked << " orders and " << c.acked << " clicks acked (" << c.throttled
                   << " throttled and retried), " << read.load() << " orders read back, " << failed.load()
                   << " failed\n";
    KWB_RETURN_IF_ERROR(closed_orders);
    KWB_RETURN_IF_ERROR(closed_clicks);
    KWB_RETURN_IF_ERROR(closed_events);
    if (failed.load() > 0) return Error::internal(std::to_string(failed.load()) + " demo records failed");
    return ok_status();
  }

  const DemoOptions& options_;
  Context& context_;
  kinesis::Client& client_;
};

}  // namespace

void register_demo_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* command = app.add_subcommand(
      "demo", "fill a kwb emulator with demo streams, 3 h of metric history and live traffic (see docs/cli.md)");
  command->add_option("--prefix", options->prefix, "stream name prefix")->capture_default_str();
  command->add_option("--duration", options->duration_seconds, "seconds of live traffic (0: until Ctrl-C)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--orders-rate", options->orders_rate, "records/s into <prefix>orders")
      ->check(CLI::Range(1.0, 5000.0))
      ->capture_default_str();
  command->add_option("--clicks-rate", options->clicks_rate, "records/s into <prefix>clicks while bursting")
      ->check(CLI::Range(1.0, 10000.0))
      ->capture_default_str();
  command->add_flag("!--no-history", options->seed_history, "do not seed 3 h of metric history");
  command->add_flag("!--no-traffic", options->traffic, "create and seed, then exit");
  command->callback([options, &context] {
    context.set_action([options, &context]() -> Status {
      auto client = context.kinesis();
      if (!client) return client.error();
      context.out() << "kwb demo: streams on this emulator\n";
      DemoRun run(*options, context, **client);
      return run.run();
    });
  });
}

}  // namespace kwb::cli
