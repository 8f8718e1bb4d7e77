// Kinesis over CBOR (application/x-amz-cbor-1.1): requests decode to the same handling as JSON,
// blobs travel as byte strings, timestamps as tag 1 + epoch milliseconds, errors in CBOR.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/random.h"
#include "emulator/backend.h"
#include "emulator/cbor_codec.h"
#include "emulator/kinesis_handler.h"

namespace kwb::emulator {
namespace {

using nlohmann::json;

std::string cbor(const json& value) {
  const auto bytes = json::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

// Decodes a response; nlohmann cannot read tag 1, so the test strips tag heads the same way the
// codec does, by going through the request decoder and back.
json decode(const std::string& body) {
  auto text = cbor_request_to_json(body);
  return text.ok() ? json::parse(*text) : json();
}

json blob(std::string_view bytes) { return json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end())); }

class CborTest : public ::testing::Test {
 protected:
  CborTest()
      : clock_(SystemTimePoint(std::chrono::milliseconds(1'700'000'000'250))),
        random_(5),
        backend_(config(), clock_, random_),
        handler_(backend_, observer_) {}

  static const EmulatorConfig& config() {
    static EmulatorConfig c = [] {
      EmulatorConfig cfg;
      cfg.create_delay_ms = 0;
      cfg.limits.control_plane_limits = false;
      return cfg;
    }();
    return c;
  }

  ApiResponse call(std::string_view op, const json& request) {
    return handler_.call_cbor(op, "us-east-1", cbor(request));
  }

  ManualClock clock_;
  SeededRandom random_;
  NoopObserver observer_;
  Backend backend_;
  KinesisHandler handler_;
};

TEST_F(CborTest, PutAndGetRecordsWithBinaryDataAndTaggedTimestamps) {
  ASSERT_EQ(call("CreateStream", {{"StreamName", "c"}, {"ShardCount", 1}}).status, 200);
  const std::string payload("\x00\x01\xff binary \x80", 12);
  ApiResponse put = call("PutRecord", {{"StreamName", "c"}, {"PartitionKey", "pk"}, {"Data", blob(payload)}});
  ASSERT_EQ(put.status, 200) << decode(put.body).dump();
  EXPECT_EQ(put.content_type, kCborContentType);
  const json put_out = decode(put.body);
  EXPECT_EQ(put_out["ShardId"], "shardId-000000000000");
  EXPECT_TRUE(put_out["SequenceNumber"].is_string());

  // A timestamp given the Java SDK's way (tag 1 + epoch ms) selects records from then on.
  ApiResponse iterator = call("GetShardIterator", {{"StreamName", "c"},
                                                   {"ShardId", "shardId-000000000000"},
                                                   {"ShardIteratorType", "AT_TIMESTAMP"},
                                                   {"Timestamp", 1'700'000'000'000LL}});
  ASSERT_EQ(iterator.status, 200) << decode(iterator.body).dump();
  const std::string it = decode(iterator.body)["ShardIterator"];

  ApiResponse records = call("GetRecords", {{"ShardIterator", it}});
  ASSERT_EQ(records.status, 200);
  const json out = decode(records.body);
  ASSERT_EQ(out["Records"].size(), 1u);
  const json& record = out["Records"][0];
  // Blobs come back as byte strings (the decoder above turns them into base64 text again).
  EXPECT_EQ(record["Data"], "AAH/IGJpbmFyeSCA");
  EXPECT_NE(records.body.find(std::string("\x44\x61\x74\x61\x4C", 5) + payload), std::string::npos);
  EXPECT_EQ(record["PartitionKey"], "pk");
  // Tag 1 then an integer of epoch milliseconds: 0xC1 0x1B <8 bytes>.
  EXPECT_DOUBLE_EQ(record["ApproximateArrivalTimestamp"].get<double>(), 1'700'000'000.25);
  const std::string tagged = std::string("\xC1\x1B", 2);
  EXPECT_NE(records.body.find(tagged), std::string::npos);
}

TEST_F(CborTest, TaggedRequestTimestampsAreUnderstood) {
  ASSERT_EQ(call("CreateStream", {{"StreamName", "t"}, {"ShardCount", 1}}).status, 200);
  // Build {"StreamName":"t","ShardId":"0","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1(1700000000000)}
  std::string body =
      cbor({{"ShardId", "shardId-000000000000"}, {"ShardIteratorType", "AT_TIMESTAMP"}, {"StreamName", "t"}});
  body[0] = static_cast<char>(0xA4);  // the map now has four pairs
  body += cbor("Timestamp");
  body += '\xC1';
  body += cbor(1'700'000'000'000LL);
  ApiResponse response = handler_.call_cbor("GetShardIterator", "us-east-1", body);
  EXPECT_EQ(response.status, 200) << decode(response.body).dump();
}

TEST_F(CborTest, ErrorsComeBackInCbor) {
  ApiResponse missing = call("DescribeStream", {{"StreamName", "nope"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.content_type, kCborContentType);
  EXPECT_EQ(decode(missing.body)["__type"], "ResourceNotFoundException");

  ApiResponse garbage = handler_.call_cbor("ListStreams", "us-east-1", std::string("\xFF\xFF\x01", 3));
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(decode(garbage.body)["__type"], "SerializationException");

  ApiResponse not_a_map = handler_.call_cbor("ListStreams", "us-east-1", cbor(json::array({1, 2})));
  EXPECT_EQ(decode(not_a_map.body)["__type"], "SerializationException");

  // A wrong member type is reported as in JSON.
  ApiResponse wrong = call("CreateStream", {{"StreamName", "x"}, {"ShardCount", "two"}});
  EXPECT_EQ(decode(wrong.body)["__type"], "SerializationException");
}

TEST(CborCodec, RoundTripsShapes) {
  auto json_text = cbor_request_to_json(cbor({{"Data", blob("hi")}, {"Timestamp", 1.5}, {"N", 3}}));
  ASSERT_TRUE(json_text.ok());
  EXPECT_EQ(json::parse(*json_text), (json{{"Data", "aGk="}, {"Timestamp", 1.5}, {"N", 3}}));
  auto back = json_response_to_cbor(R"({"Records":[{"Data":"aGk=","ApproximateArrivalTimestamp":1.5}],"X":null})");
  ASSERT_TRUE(back.ok());
  const std::string expected_tail = std::string("\xC1\x19\x05\xDC", 4) +
                                    "\x64"
                                    "Data"
                                    "\x42"
                                    "hi";
  EXPECT_NE(back->find(expected_tail), std::string::npos);
  const json decoded = decode(*back);
  EXPECT_EQ(decoded["Records"][0]["Data"], "aGk=");
  EXPECT_TRUE(decoded["X"].is_null());
  EXPECT_FALSE(cbor_request_to_json(std::string("\x9F", 1)).ok());  // truncated
}

}  // namespace
}  // namespace kwb::emulator
