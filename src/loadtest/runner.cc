#include "loadtest/runner.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

#include "loadtest/envelope.h"

namespace kwb::loadtest {

namespace producer = kinesis::producer;
namespace consumer = kinesis::consumer;

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::kRunning: return "running";
    case Phase::kDraining: return "draining";
    case Phase::kVerifying: return "verifying";
    case Phase::kDone: return "done";
  }
  return "?";
}

Runner::Runner(LoadTestConfig config, producer::PutRecordsSender& sender, consumer::ConsumerBackend& backend,
               Clock& clock, Random& random)
    : config_(std::move(config)), sender_(sender), backend_(backend), clock_(clock), random_(random) {}

Result<Report> Runner::run(const ProgressCallback& progress) {
  using namespace std::chrono;
  const LoadTestConfig& c = config_;
  if (c.producers < 1) return Error::invalid_input("--producers", "at least one producer");
  KWB_RETURN_IF_ERROR(validate_run_id(c.run_id));

  Report report;
  report.run_id = c.run_id;
  report.stream = c.stream.name();
  report.profile = c.profile.text();
  report.keys = c.keys.text();
  report.record_size = c.sizes.text();
  report.producers = c.producers;
  report.verified = c.verify;
  report.target_rps = c.profile.mean_rate();
  report.peak_target_rps = c.profile.peak_rate();

  auto shards = sender_.list_shards(c.stream);
  if (!shards) return shards.error();
  report.shards = static_cast<int>(std::count_if(shards->begin(), shards->end(), [](const kinesis::Shard& s) {
    return s.is_open();
  }));

  const SystemTimePoint start = clock_.now();
  const auto steady_start = clock_.steady_now();
  report.started_at = format_iso8601_millis(start);
  Verifier verifier(c.run_id, start, c.interval_s);
  verifier.set_lineage(*shards);
  auto elapsed_s = [&] { return duration<double>(clock_.steady_now() - steady_start).count(); };

  // Reader first, so it is listening before the first record is written.
  std::unique_ptr<consumer::Consumer> reader;
  if (c.verify) {
    consumer::ConsumerConfig cc = c.consumer;
    cc.stream = c.stream;
    cc.start = consumer::StartPosition::kAtTimestamp;
    cc.start_timestamp = start - c.read_margin;
    auto started = consumer::Consumer::start(
        cc, backend_,
        [&verifier, this](const ShardId& shard, const kinesis::Record& record) {
          verifier.on_read(record.data, record.partition_key, shard, clock_.now());
        },
        clock_, random_);
    if (!started) return started.error();
    reader = std::move(*started);
  }

  std::vector<std::unique_ptr<producer::Producer>> producers;
  for (int i = 0; i < c.producers; ++i) {
    producer::ProducerConfig pc = c.producer;
    pc.stream = c.stream;
    auto started = producer::Producer::start(pc, sender_, clock_, random_);
    if (!started) return started.error();
    producers.push_back(std::move(*started));
  }

  auto sample = [&] {
    producer::ProducerCounters total;
    for (const auto& p : producers) {
      producer::ProducerCounters one = p->counters();
      total.throttled += one.throttled;
      total.retried += one.retried;
      total.acked += one.acked;
    }
    verifier.on_producer_sample(total.throttled, total.retried, clock_.now());
    return total;
  };

  // ---- Phase 1: run ----
  std::atomic<std::uint64_t> next_seq{0};
  std::atomic<int> generators_done{0};
  const double run_length = c.profile.duration_s();
  const auto interval = duration_cast<steady_clock::duration>(duration<double>(c.interval_s));
  {
    std::vector<std::jthread> generators;
    for (int index = 0; index < c.producers; ++index) {
      generators.emplace_back([&, index](std::stop_token stop) {
        producer::Producer& out = *producers[static_cast<std::size_t>(index)];
        const auto p = static_cast<std::uint64_t>(c.producers);
        std::uint64_t mine = 0;  // records this generator has sent
        while (!stop.stop_requested() && !stop_.load()) {
          const double t = elapsed_s();
          const auto due_total = static_cast<std::uint64_t>(std::floor(c.profile.due(std::min(t, run_length)) + 1e-9));
          // Indexes j < due_total with j % p == index.
          const std::uint64_t my_due = due_total > static_cast<std::uint64_t>(index)
                                           ? (due_total - static_cast<std::uint64_t>(index) + p - 1) / p
                                           : 0;
          while (mine < my_due && !stop_.load()) {
            const std::uint64_t seq = next_seq.fetch_add(1);
            const SystemTimePoint sent_at = clock_.now();
            Envelope envelope{c.run_id, static_cast<std::uint32_t>(index), seq, to_epoch_us(sent_at)};
            producer::UserRecord record;
            record.partition_key = c.keys.sample(random_);
            record.data = encode(envelope, c.sizes.sample(random_));
            const std::size_t bytes = record.data.size() + record.partition_key.size();
            verifier.on_sent(seq, bytes, sent_at);
            auto accepted = out.put(std::move(record), [&verifier, seq, sent_at, this](const producer::RecordOutcome& o) {
              if (o.acked) {
                verifier.on_acked(seq, o.bytes, sent_at, clock_.now());
              } else {
                verifier.on_failed(seq, o.error.code.empty() ? std::string(kwb::to_string(o.error.kind)) : o.error.code,
                                   o.error.code == "RecordExpired", clock_.now());
              }
            });
            if (!accepted) {
              const Error& e = accepted.error();
              verifier.on_failed(seq, e.code.empty() ? std::string(kwb::to_string(e.kind)) : e.code, false,
                                 clock_.now());
            }
            ++mine;
          }
          if (t >= run_length) break;
          clock_.sleep_for(milliseconds(1));
        }
        generators_done.fetch_add(1);
      });
    }

    double next_sample = c.interval_s;
    std::uint64_t last_acked = 0;
    while (generators_done.load() < c.producers) {
      clock_.sleep_for(milliseconds(20));
      const double t = elapsed_s();
      if (t >= next_sample) {
        next_sample += c.interval_s;
        producer::ProducerCounters total = sample();
        if (progress) {
          Progress p;
          p.phase = Phase::kRunning;
          p.elapsed_s = t;
          p.target_rps = c.profile.rate_at(std::min(t, run_length) - 1e-9);
          p.achieved_rps = static_cast<double>(total.acked - last_acked) / c.interval_s;
          p.throttled = total.throttled;
          p.retried = total.retried;
          p.verifier = verifier.snapshot(clock_.now(), c.grace);
          progress(p);
        }
        last_acked = total.acked;
      }
    }
  }  // generators joined
  const double run_s = std::min(run_length, elapsed_s());

  // ---- Phase 2: drain ----
  auto report_progress = [&](Phase phase) {
    if (!progress) return;
    producer::ProducerCounters total = sample();
    Progress p;
    p.phase = phase;
    p.elapsed_s = elapsed_s();
    p.throttled = total.throttled;
    p.retried = total.retried;
    p.verifier = verifier.snapshot(clock_.now(), c.grace);
    progress(p);
  };
  {
    std::atomic<int> closed{0};
    std::vector<std::jthread> closers;
    for (auto& p : producers) {
      closers.emplace_back([&closed, &p, this] {
        (void)p->close(config_.drain_timeout);  // a timeout fails the rest with ProducerClosed: in the report
        closed.fetch_add(1);
      });
    }
    auto next = clock_.steady_now() + interval;
    while (closed.load() < c.producers) {
      clock_.sleep_for(milliseconds(20));
      if (clock_.steady_now() >= next) {
        next += interval;
        report_progress(Phase::kDraining);
      }
    }
  }
  (void)sample();

  // ---- Phase 3: grace ----
  if (reader) {
    const auto deadline = clock_.steady_now() + c.grace;
    auto next = clock_.steady_now() + interval;
    while (verifier.acked_unread() > 0 && clock_.steady_now() < deadline) {
      clock_.sleep_for(milliseconds(20));
      if (clock_.steady_now() >= next) {
        next += interval;
        report_progress(Phase::kVerifying);
      }
    }
    // A little longer, so duplicates delivered right behind the last first-read are counted too.
    clock_.sleep_for(milliseconds(300));
    reader->stop();
  }
  for (auto& p : producers) p.reset();

  report.duration_s = run_s;
  // Shards made by a resharding during the run: their parents decide the order the verifier expects.
  if (c.verify) {
    auto final_shards = sender_.list_shards(c.stream);
    if (final_shards) verifier.set_lineage(*final_shards);
  }
  verifier.finish(report, [&](double t) { return c.profile.rate_at(t); }, run_s);
  if (!c.verify) {
    report.lost = 0;
    report.read = 0;
  }
  return report;
}

}  // namespace kwb::loadtest
