// SubscribeToShard through the JSON front end: validation, the event stream it answers with, waking
// on appends, the 5-second re-subscribe rule, take-over, lifetime, heartbeats and ChildShards.
// Streams are driven as the HTTP server drives them (BodySource::pull), with a ManualClock.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <future>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/event_stream.h"
#include "core/random.h"
#include "emulator/backend.h"
#include "emulator/kinesis_handler.h"
#include "emulator/sequence.h"

namespace kwb::emulator {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

struct Piece {
  std::string bytes;
  bool last = false;
};

// One pull, as the HTTP server makes it; the hub answers from its own thread.
std::future<Piece> pull(http::BodySource& source) {
  auto promise = std::make_shared<std::promise<Piece>>();
  auto future = promise->get_future();
  source.pull([promise](std::string bytes, bool last) { promise->set_value(Piece{std::move(bytes), last}); });
  return future;
}

// Waits for a piece (bounded, in case of a bug: the hub answers within milliseconds).
Piece await(std::future<Piece>& future) {
  EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  return future.valid() ? future.get() : Piece{};
}

eventstream::Message decode_one(const Piece& piece) {
  eventstream::Decoder decoder;
  decoder.feed(piece.bytes);
  auto message = decoder.next();
  EXPECT_TRUE(message.ok() && message->has_value()) << (message.ok() ? "incomplete" : message.error().message);
  EXPECT_EQ(decoder.pending_bytes(), 0U);
  return message.ok() && message->has_value() ? **message : eventstream::Message{};
}

json event_payload(const Piece& piece) {
  const auto message = decode_one(piece);
  EXPECT_EQ(message.header(":message-type"), "event");
  EXPECT_EQ(message.header(":event-type"), "SubscribeToShardEvent");
  return json::parse(message.payload, nullptr, false);
}

class SubscribeTest : public ::testing::Test {
 protected:
  SubscribeTest()
      : clock_(SystemTimePoint(std::chrono::seconds(1'700'000'000))),
        random_(5),
        backend_(config(), clock_, random_),
        handler_(backend_, observer_) {}

  static const EmulatorConfig& config() {
    static EmulatorConfig c = [] {
      EmulatorConfig cfg;
      cfg.create_delay_ms = 0;
      cfg.update_delay_ms = 0;
      cfg.consumer_delay_ms = 0;
      cfg.subscription_lifetime_ms = 60'000;
      cfg.limits.control_plane_limits = false;
      return cfg;
    }();
    return c;
  }

  std::pair<int, json> call(std::string_view op, const json& body) {
    last_ = handler_.call(op, "us-east-1", body.dump());
    json parsed = last_.body.empty() ? json::object() : json::parse(last_.body, nullptr, false);
    return {last_.status, parsed};
  }

  // A one-shard stream (or more) with an ACTIVE consumer; returns the consumer ARN.
  std::string stream_with_consumer(int shards = 1) {
    EXPECT_EQ(call("CreateStream", {{"StreamName", "s"}, {"ShardCount", shards}}).first, 200);
    clock_.advance(milliseconds(1));
    auto [status, stream] = call("DescribeStreamSummary", {{"StreamName", "s"}});
    EXPECT_EQ(status, 200);
    auto [registered, consumer] = call("RegisterStreamConsumer", {{"StreamARN", stream["StreamDescriptionSummary"]["StreamARN"]},
                                                                  {"ConsumerName", "efo"}});
    EXPECT_EQ(registered, 200) << consumer.dump();
    clock_.advance(milliseconds(1));  // CREATING -> ACTIVE
    return consumer["Consumer"]["ConsumerARN"];
  }

  std::string put(std::string_view key, std::string_view data) {
    auto [status, body] = call("PutRecord", {{"StreamName", "s"}, {"PartitionKey", key}, {"Data", base64_encode(data)}});
    EXPECT_EQ(status, 200) << body.dump();
    return body["SequenceNumber"];
  }

  // Subscribes; on success returns the stream after checking its initial-response event.
  std::shared_ptr<http::BodySource> subscribe(const std::string& arn, const json& position,
                                              std::string shard = "shardId-000000000000") {
    auto [status, body] = call("SubscribeToShard", {{"ConsumerARN", arn}, {"ShardId", shard}, {"StartingPosition", position}});
    EXPECT_EQ(status, 200) << body.dump();
    if (!last_.body_source) return nullptr;
    EXPECT_EQ(last_.content_type, "application/vnd.amazon.eventstream");
    auto initial = pull(*last_.body_source);
    const auto message = decode_one(await(initial));
    EXPECT_EQ(message.header(":event-type"), "initial-response");
    return last_.body_source;
  }

  ManualClock clock_;
  SeededRandom random_;
  NoopObserver observer_;
  Backend backend_;
  KinesisHandler handler_;
  ApiResponse last_;
};

TEST_F(SubscribeTest, PushesExistingThenNewRecordsInOrderAndWakesOnAppend) {
  const std::string arn = stream_with_consumer();
  const std::string first = put("k1", "one");
  const std::string second = put("k2", "two");
  auto stream = subscribe(arn, {{"Type", "TRIM_HORIZON"}});
  ASSERT_TRUE(stream);

  auto event = pull(*stream);
  const json catch_up = event_payload(await(event));
  ASSERT_EQ(catch_up["Records"].size(), 2U) << catch_up.dump();
  EXPECT_EQ(catch_up["Records"][0]["SequenceNumber"], first);
  EXPECT_EQ(catch_up["Records"][0]["PartitionKey"], "k1");
  EXPECT_EQ(base64_decode(catch_up["Records"][0]["Data"].get<std::string>()), "one");
  EXPECT_EQ(catch_up["Records"][1]["SequenceNumber"], second);
  EXPECT_EQ(catch_up["ContinuationSequenceNumber"], second);
  EXPECT_EQ(catch_up["MillisBehindLatest"], 0);

  // The next event waits for data: no clock movement, only the append wakes it.
  auto pushed = pull(*stream);
  EXPECT_EQ(pushed.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  const std::string third = put("k3", "three");
  const json live = event_payload(await(pushed));
  ASSERT_EQ(live["Records"].size(), 1U) << live.dump();
  EXPECT_EQ(live["Records"][0]["SequenceNumber"], third);
  EXPECT_EQ(live["ContinuationSequenceNumber"], third);
  stream->cancel();
  EXPECT_EQ(backend_.subscriptions().stats().open, 0U);
}

TEST_F(SubscribeTest, StartingPositionsPlaceTheStream) {
  const std::string arn = stream_with_consumer();
  const std::string first = put("k", "a");
  const std::string second = put("k", "b");
  auto records_from = [&](const json& position) {
    clock_.advance(milliseconds(kResubscribeIntervalMs));
    auto stream = subscribe(arn, position);
    if (!stream) return json();
    auto event = pull(*stream);
    json payload = event_payload(await(event));
    stream->cancel();
    return payload;
  };
  EXPECT_EQ(records_from({{"Type", "AT_SEQUENCE_NUMBER"}, {"SequenceNumber", second}})["Records"].size(), 1U);
  const json after_first = records_from({{"Type", "AFTER_SEQUENCE_NUMBER"}, {"SequenceNumber", first}});
  ASSERT_EQ(after_first["Records"].size(), 1U);
  EXPECT_EQ(after_first["Records"][0]["SequenceNumber"], second);
  const json latest = records_from({{"Type", "LATEST"}});
  EXPECT_TRUE(latest["Records"].empty());
  // Resuming after the continuation of an empty event loses nothing and repeats nothing.
  EXPECT_EQ(latest["ContinuationSequenceNumber"], second);
  const json at_time = records_from({{"Type", "AT_TIMESTAMP"}, {"Timestamp", 1'700'000'000}});
  EXPECT_EQ(at_time["Records"].size(), 2U);
}

TEST_F(SubscribeTest, RejectsBadRequestsWithJsonErrorsBeforeStreaming) {
  const std::string arn = stream_with_consumer();
  EXPECT_EQ(call("SubscribeToShard", {{"ConsumerARN", arn}, {"ShardId", "shardId-000000000000"}}).second["__type"],
            "ValidationException");
  EXPECT_EQ(call("SubscribeToShard", {{"ConsumerARN", arn},
                                      {"ShardId", "shardId-000000000000"},
                                      {"StartingPosition", {{"Type", "AT_SEQUENCE_NUMBER"}}}})
                .second["__type"],
            "InvalidArgumentException");
  EXPECT_EQ(call("SubscribeToShard", {{"ConsumerARN", "arn:aws:kinesis:us-east-1:000000000000:stream/s"},
                                      {"ShardId", "shardId-000000000000"},
                                      {"StartingPosition", {{"Type", "LATEST"}}}})
                .second["__type"],
            "InvalidArgumentException");
  auto [status, body] = call("SubscribeToShard", {{"ConsumerARN", arn + "0"},
                                                  {"ShardId", "shardId-000000000000"},
                                                  {"StartingPosition", {{"Type", "LATEST"}}}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["__type"], "ResourceNotFoundException");
  EXPECT_FALSE(last_.body_source);
  EXPECT_EQ(call("SubscribeToShard", {{"ConsumerARN", arn},
                                      {"ShardId", "shardId-000000000009"},
                                      {"StartingPosition", {{"Type", "LATEST"}}}})
                .second["__type"],
            "ResourceNotFoundException");
}

TEST_F(SubscribeTest, AConsumerThatIsNotActiveCannotSubscribe) {
  const std::string arn = stream_with_consumer();
  ASSERT_EQ(call("DeregisterStreamConsumer", {{"ConsumerARN", arn}}).first, 200);  // DELETING, with a delay of 0
  auto [status, body] = call("SubscribeToShard", {{"ConsumerARN", arn},
                                                  {"ShardId", "shardId-000000000000"},
                                                  {"StartingPosition", {{"Type", "LATEST"}}}});
  EXPECT_EQ(status, 400);
  // DELETING is due at once; either answer is what AWS gives for a consumer on its way out.
  EXPECT_TRUE(body["__type"] == "ResourceInUseException" || body["__type"] == "ResourceNotFoundException") << body.dump();
}

TEST_F(SubscribeTest, ResubscribingWithinFiveSecondsIsRefusedAndLaterTakesOver) {
  const std::string arn = stream_with_consumer();
  auto old_stream = subscribe(arn, {{"Type", "LATEST"}});
  ASSERT_TRUE(old_stream);
  auto first_event = pull(*old_stream);
  event_payload(await(first_event));

  clock_.advance(milliseconds(kResubscribeIntervalMs - 1));
  auto [status, body] = call("SubscribeToShard", {{"ConsumerARN", arn},
                                                  {"ShardId", "shardId-000000000000"},
                                                  {"StartingPosition", {{"Type", "LATEST"}}}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["__type"], "ResourceInUseException");

  clock_.advance(milliseconds(1));
  auto new_stream = subscribe(arn, {{"Type", "LATEST"}});
  ASSERT_TRUE(new_stream);
  // The old stream learns at its next read that it was taken over: an exception event ends it.
  auto ended = pull(*old_stream);
  put("k", "wakes both");
  const Piece piece = await(ended);
  EXPECT_TRUE(piece.last);
  const auto message = decode_one(piece);
  EXPECT_EQ(message.header(":message-type"), "exception");
  EXPECT_EQ(message.header(":exception-type"), "ResourceInUseException");
  EXPECT_NE(json::parse(message.payload)["message"].get<std::string>().find("took over"), std::string::npos);
  new_stream->cancel();
}

TEST_F(SubscribeTest, QuietStreamsGetHeartbeatsAndEndAfterTheirLifetime) {
  const std::string arn = stream_with_consumer();
  auto stream = subscribe(arn, {{"Type", "LATEST"}});
  ASSERT_TRUE(stream);
  auto first = pull(*stream);
  event_payload(await(first));

  auto heartbeat = pull(*stream);
  clock_.advance(milliseconds(5000));
  backend_.subscriptions().poke();
  const json empty = event_payload(await(heartbeat));
  EXPECT_TRUE(empty["Records"].empty());
  EXPECT_TRUE(empty.contains("ContinuationSequenceNumber"));

  auto ending = pull(*stream);
  clock_.advance(milliseconds(config().subscription_lifetime_ms));
  backend_.subscriptions().poke();
  const Piece end = await(ending);
  EXPECT_TRUE(end.last);
  EXPECT_TRUE(end.bytes.empty());
  EXPECT_EQ(backend_.subscriptions().stats().open, 0U);
}

TEST_F(SubscribeTest, AClosedShardEndsWithItsChildShards) {
  const std::string arn = stream_with_consumer();
  const std::string before = put("k", "before the split");
  ASSERT_EQ(call("SplitShard", {{"StreamName", "s"},
                                {"ShardToSplit", "shardId-000000000000"},
                                {"NewStartingHashKey", "170141183460469231731687303715884105728"}})
                .first,
            200);
  clock_.advance(milliseconds(1));
  auto stream = subscribe(arn, {{"Type", "TRIM_HORIZON"}});
  ASSERT_TRUE(stream);
  // One event may carry the last records and the children; pull until the stream ends.
  std::vector<json> events;
  for (int i = 0; i < 3; ++i) {
    auto next = pull(*stream);
    const Piece piece = await(next);
    events.push_back(event_payload(piece));
    if (piece.last) break;
  }
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front()["Records"][0]["SequenceNumber"], before);
  const json& last = events.back();
  ASSERT_EQ(last["ChildShards"].size(), 2U) << last.dump();
  EXPECT_EQ(last["ChildShards"][0]["ShardId"], "shardId-000000000001");
  EXPECT_EQ(last["ChildShards"][0]["ParentShards"][0], "shardId-000000000000");
  EXPECT_EQ(last["ChildShards"][1]["HashKeyRange"]["StartingHashKey"], "170141183460469231731687303715884105728");
  EXPECT_FALSE(last.contains("ContinuationSequenceNumber"));
}

TEST_F(SubscribeTest, LargeBacklogsArriveInBoundedEvents) {
  const std::string arn = stream_with_consumer();
  Engine& engine = backend_.engine("us-east-1");
  const std::string blob(100 * 1024, 'x');
  for (int i = 0; i < 8; ++i) {
    put("k" + std::to_string(i), blob);
    clock_.advance(milliseconds(1000));  // within the shard's 1 MiB/s write limit
  }
  auto cursor = engine.start_subscription("s", "efo", arn, "shardId-000000000000", IteratorType::kTrimHorizon, "", 0);
  ASSERT_TRUE(cursor.ok()) << cursor.error().message;
  SubscriptionLimits limits;
  limits.max_event_bytes = 256 * 1024;
  SubscriptionHub hub(clock_, limits);
  auto stream = hub.open(engine, *cursor, false);
  auto initial = pull(*stream);
  await(initial);
  std::size_t total = 0;
  for (int i = 0; i < 8 && total < 8; ++i) {
    auto next = pull(*stream);
    const json payload = event_payload(await(next));
    EXPECT_LE(payload["Records"].size(), 2U);  // 2 x 100 KiB fit in 256 KiB, a third does not
    EXPECT_GE(payload["Records"].size(), 1U);
    total += payload["Records"].size();
  }
  EXPECT_EQ(total, 8U);
  stream->cancel();
  hub.shutdown();
}

}  // namespace
}  // namespace kwb::emulator
