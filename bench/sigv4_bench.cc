// SigV4 signing throughput for the requests the Kinesis client sends most: a PutRecords batch
// (POST /, four headers, a ~50 KB JSON body) and a small single-record PutRecord.
//
// Every signing hashes the whole body (SigV4 for Kinesis has no UNSIGNED-PAYLOAD), so the large
// case measures SHA-256 over the payload plus the fixed cost of the canonical request, the string
// to sign and the five HMACs of key derivation; the small case isolates that fixed cost.

#include <benchmark/benchmark.h>

#include <string>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "sigv4/signer.h"

namespace {

constexpr std::size_t kPutRecordsBodyBytes = std::size_t{50} * 1024;

using kwb::sigv4::Signable;
using kwb::sigv4::SigningConfig;

SigningConfig bench_config() {
  SigningConfig config;
  config.credentials.access_key_id = "AKIDEXAMPLE";
  config.credentials.secret_access_key = kwb::Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  config.region = "us-east-1";
  config.service = "kinesis";
  kwb::parse_iso8601("2024-05-01T12:00:00Z", config.time);
  return config;
}

// A PutRecords body of about target_bytes: records of 500 bytes of data each, base64-encoded as
// the Kinesis JSON protocol sends them. The bytes are fixed so every run hashes the same input.
std::string put_records_body(std::size_t target_bytes) {
  std::string data(500, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131 + 7) & 0xFF);
  const std::string encoded = kwb::base64_encode(data);
  std::string body = R"({"StreamName":"orders","Records":[)";
  for (int record = 0; body.size() < target_bytes; ++record) {
    if (record > 0) body += ",";
    body += R"({"Data":")" + encoded + R"(","PartitionKey":"customer-)" + std::to_string(record) + "\"}";
  }
  body += "]}";
  return body;
}

Signable kinesis_request(std::string target, std::string body) {
  return Signable{"POST",
                  "/",
                  "",
                  {{"Host", "kinesis.us-east-1.amazonaws.com"},
                   {"Content-Type", "application/x-amz-json-1.1"},
                   {"X-Amz-Target", std::move(target)},
                   {"Content-Length", std::to_string(body.size())}},
                  std::move(body)};
}

void run_sign(benchmark::State& state, const Signable& request, const SigningConfig& config) {
  for (auto _ : state) {
    auto result = kwb::sigv4::sign(request, config);
    if (!result.ok()) {
      state.SkipWithError("signing failed");
      break;
    }
    benchmark::DoNotOptimize(result->signature);
  }
  state.SetItemsProcessed(state.iterations());  // items/s = signatures per second
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(request.body.size()));
  state.counters["body_bytes"] = static_cast<double>(request.body.size());
}

void sign_put_records_50kb(benchmark::State& state) {
  run_sign(state, kinesis_request("Kinesis_20131202.PutRecords", put_records_body(kPutRecordsBodyBytes)),
           bench_config());
}
BENCHMARK(sign_put_records_50kb);

void sign_put_records_50kb_with_session_token(benchmark::State& state) {
  SigningConfig config = bench_config();
  config.credentials.session_token = kwb::Secret(std::string(400, 'T'));
  run_sign(state, kinesis_request("Kinesis_20131202.PutRecords", put_records_body(kPutRecordsBodyBytes)), config);
}
BENCHMARK(sign_put_records_50kb_with_session_token);

void sign_put_record_small(benchmark::State& state) {
  run_sign(state,
           kinesis_request("Kinesis_20131202.PutRecord",
                           R"({"StreamName":"orders","PartitionKey":"customer-1","Data":"aGVsbG8gd29ybGQ="})"),
           bench_config());
}
BENCHMARK(sign_put_record_small);

// The same small request with the derived key cached, as the client signs (AwsSession's cache).
void sign_put_record_small_cached_key(benchmark::State& state) {
  SigningConfig config = bench_config();
  kwb::sigv4::SigningKeyCache cache;
  config.key_cache = &cache;
  run_sign(state,
           kinesis_request("Kinesis_20131202.PutRecord",
                           R"({"StreamName":"orders","PartitionKey":"customer-1","Data":"aGVsbG8gd29ybGQ="})"),
           config);
}
BENCHMARK(sign_put_record_small_cached_key);

// The two components of the cost, for reading the figures above.
void sha256_of_50kb(benchmark::State& state) {
  const std::string body = put_records_body(kPutRecordsBodyBytes);
  for (auto _ : state) benchmark::DoNotOptimize(kwb::sha256(body));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(sha256_of_50kb);

void signing_key_derivation(benchmark::State& state) {
  const SigningConfig config = bench_config();
  for (auto _ : state) {
    benchmark::DoNotOptimize(kwb::sigv4::derive_signing_key(config.credentials.secret_access_key, config.time,
                                                            config.region, config.service));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(signing_key_derivation);

}  // namespace

BENCHMARK_MAIN();
