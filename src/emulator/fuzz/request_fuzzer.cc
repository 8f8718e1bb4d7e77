// libFuzzer target for the Kinesis request decoder: JSON 1.1 and CBOR bodies for every operation.
//
// Input layout: byte 0 picks the operation (modulo the table below), bit 7 of byte 0 picks CBOR
// over JSON, the rest is the body. With bit 6 set the rest also goes through the SigV4 verifier
// (--verify-signatures): up to the first newline as the Authorization header, after it as the
// query string, so the signature parsers see hostile input too. The handler must answer every input with an AWS-shaped
// response and never crash, hang or trip AddressSanitizer. State (streams made by earlier
// inputs) carries over between inputs on purpose: a PutRecords is only interesting once a stream
// exists. Limits are off so fuzzing never waits on a token bucket.
//
// Build with clang: cmake -DKWB_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ... (see docs/emulator.md).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "core/random.h"
#include "emulator/backend.h"
#include "emulator/kinesis_handler.h"
#include "emulator/service_handler.h"
#include "emulator/signature_verifier.h"
#include "http/message.h"

namespace {

using namespace kwb;
using namespace kwb::emulator;

constexpr std::array<std::string_view, 32> kOperations = {"CreateStream",
                                                          "DeleteStream",
                                                          "DescribeStream",
                                                          "DescribeStreamSummary",
                                                          "ListStreams",
                                                          "ListShards",
                                                          "DescribeLimits",
                                                          "UpdateShardCount",
                                                          "SplitShard",
                                                          "MergeShards",
                                                          "UpdateStreamMode",
                                                          "AddTagsToStream",
                                                          "RemoveTagsFromStream",
                                                          "ListTagsForStream",
                                                          "TagResource",
                                                          "UntagResource",
                                                          "ListTagsForResource",
                                                          "IncreaseStreamRetentionPeriod",
                                                          "DecreaseStreamRetentionPeriod",
                                                          "EnableEnhancedMonitoring",
                                                          "DisableEnhancedMonitoring",
                                                          "StartStreamEncryption",
                                                          "StopStreamEncryption",
                                                          "PutRecord",
                                                          "PutRecords",
                                                          "GetShardIterator",
                                                          "GetRecords",
                                                          "RegisterStreamConsumer",
                                                          "DescribeStreamConsumer",
                                                          "ListStreamConsumers",
                                                          "DeregisterStreamConsumer",
                                                          "NoSuchOperation"};

struct World {
  World()
      : clock(SystemTimePoint(std::chrono::seconds(1'700'000'000))),
        random(1),
        backend(config(), clock, random),
        handler(backend, observer) {}
  static const EmulatorConfig& config() {
    static const EmulatorConfig c = [] {
      EmulatorConfig cfg;
      cfg.create_delay_ms = 0;
      cfg.update_delay_ms = 0;
      cfg.delete_delay_ms = 0;
      cfg.consumer_delay_ms = 0;
      cfg.limits.control_plane_limits = false;
      cfg.limits.shard_limit = 64;  // keeps UpdateShardCount from building huge streams
      cfg.limits.max_shards_per_stream = 64;
      cfg.limits.disable_data_plane_limits();
      return cfg;
    }();
    return c;
  }
  ManualClock clock;
  SeededRandom random;
  NoopObserver observer;
  Backend backend;
  KinesisHandler handler;
  SignatureVerifier verifier{{AccessKey{"AKIDEXAMPLE", Secret("secret")}}, clock};
};

void fuzz_verifier(World& world, std::string_view input) {
  const auto newline = input.find('\n');
  const std::string authorization(input.substr(0, newline));
  const std::string target = "/?" + std::string(newline == std::string_view::npos ? "" : input.substr(newline + 1));
  http::Headers headers;
  headers.add("Host", "127.0.0.1");
  headers.add("X-Amz-Date", "20231114T221320Z");
  headers.add("Authorization", authorization);
  ApiRequest request;
  request.method = "POST";
  request.target = target;
  request.authorization = authorization;
  request.body = input;
  request.headers = &headers;
  auto rejection = world.verifier.verify(request);
  if (rejection && rejection->message.empty()) __builtin_trap();  // every rejection says why
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  if (size == 0) return 0;
  const std::string_view op = kOperations[data[0] % kOperations.size()];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 0x40) != 0) fuzz_verifier(world, body);
  ApiResponse response = (data[0] & 0x80) != 0 ? world.handler.call_cbor(op, "us-east-1", body)
                                               : world.handler.call(op, "us-east-1", body);
  if (response.status != 200 && response.body.empty()) __builtin_trap();  // every error has a body
  world.clock.advance(std::chrono::milliseconds(1));
  return 0;
}
