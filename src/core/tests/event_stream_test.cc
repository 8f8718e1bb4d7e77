#include "core/event_stream.h"

#include <gtest/gtest.h>

namespace kwb::eventstream {
namespace {

std::string u32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// A frame laid out byte by byte, independently of encode(): one string header and a payload.
std::string hand_built_frame(std::string_view name, std::string_view value, std::string_view payload) {
  std::string headers;
  headers.push_back(static_cast<char>(name.size()));
  headers.append(name);
  headers.push_back(7);
  headers.push_back(static_cast<char>(value.size() >> 8));
  headers.push_back(static_cast<char>(value.size()));
  headers.append(value);
  std::string frame = u32(static_cast<std::uint32_t>(16 + headers.size() + payload.size())) +
                      u32(static_cast<std::uint32_t>(headers.size()));
  frame += u32(crc32(frame));
  frame += headers;
  frame += payload;
  frame += u32(crc32(frame));
  return frame;
}

TEST(EventStreamCrc, MatchesTheStandardCheckValue) {
  // The CRC-32/ISO-HDLC check value of "123456789".
  EXPECT_EQ(crc32("123456789"), 0xCBF43926U);
  EXPECT_EQ(crc32(""), 0U);
  // Continuing a CRC over two pieces equals one pass.
  EXPECT_EQ(crc32("6789", crc32("12345")), 0xCBF43926U);
}

TEST(EventStreamDecoder, DecodesAHandBuiltFrame) {
  Decoder decoder;
  decoder.feed(hand_built_frame(":event-type", "SubscribeToShardEvent", R"({"Records":[]})"));
  auto message = decoder.next();
  ASSERT_TRUE(message.ok()) << message.error().message;
  ASSERT_TRUE(message->has_value());
  EXPECT_EQ((*message)->header(":event-type"), "SubscribeToShardEvent");
  EXPECT_EQ((*message)->payload, R"({"Records":[]})");
  EXPECT_EQ(decoder.pending_bytes(), 0U);
  auto none = decoder.next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(EventStreamDecoder, EncodeRoundTripsByteAtATime) {
  Message exception;
  exception.headers = {{":message-type", "exception"}, {":exception-type", "ResourceInUseException"},
                       {":content-type", "application/json"}};
  exception.payload = R"({"message":"Another subscription took over."})";
  const std::string wire = encode(exception) + encode(Message{{{":message-type", "event"}}, ""});
  Decoder decoder;
  std::vector<Message> got;
  for (char c : wire) {
    decoder.feed(std::string_view(&c, 1));
    auto next = decoder.next();
    ASSERT_TRUE(next.ok()) << next.error().message;
    if (next->has_value()) got.push_back(std::move(**next));
  }
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].header(":message-type"), "exception");
  EXPECT_EQ(got[0].header(":exception-type"), "ResourceInUseException");
  EXPECT_EQ(got[0].payload, exception.payload);
  EXPECT_EQ(got[1].header(":message-type"), "event");
  EXPECT_EQ(got[1].payload, "");
  EXPECT_EQ(decoder.pending_bytes(), 0U);
}

TEST(EventStreamDecoder, RejectsABadMessageCrcAndStaysFailed) {
  std::string frame = hand_built_frame(":message-type", "event", "payload");
  frame[frame.size() - 6] ^= 0x01;  // a payload byte
  Decoder decoder;
  decoder.feed(frame);
  auto message = decoder.next();
  ASSERT_FALSE(message.ok());
  EXPECT_NE(message.error().message.find("message CRC"), std::string::npos);
  decoder.feed(hand_built_frame(":message-type", "event", "fine"));
  EXPECT_FALSE(decoder.next().ok());
}

TEST(EventStreamDecoder, RejectsABadPreludeCrc) {
  std::string frame = hand_built_frame(":message-type", "event", "payload");
  frame[9] ^= 0x10;
  Decoder decoder;
  decoder.feed(frame);
  auto message = decoder.next();
  ASSERT_FALSE(message.ok());
  EXPECT_NE(message.error().message.find("prelude CRC"), std::string::npos);
}

TEST(EventStreamDecoder, ATruncatedFrameWaitsAndReportsPendingBytes) {
  const std::string frame = hand_built_frame(":message-type", "event", "payload");
  Decoder decoder;
  decoder.feed(frame.substr(0, frame.size() - 3));
  auto message = decoder.next();
  ASSERT_TRUE(message.ok());
  EXPECT_FALSE(message->has_value());
  EXPECT_EQ(decoder.pending_bytes(), frame.size() - 3);
  decoder.feed(frame.substr(frame.size() - 3));
  message = decoder.next();
  ASSERT_TRUE(message.ok());
  ASSERT_TRUE(message->has_value());
  EXPECT_EQ((*message)->payload, "payload");
}

TEST(EventStreamDecoder, RejectsImpossibleLengthsAndOversizedMessages) {
  std::string prelude = u32(10) + u32(0);  // shorter than any message can be
  prelude += u32(crc32(prelude));
  Decoder decoder;
  decoder.feed(prelude);
  EXPECT_FALSE(decoder.next().ok());

  Decoder small(64);
  small.feed(hand_built_frame(":message-type", "event", std::string(100, 'x')));
  EXPECT_FALSE(small.next().ok());
}

TEST(EventStreamDecoder, StepsOverNonStringHeaderTypes) {
  // A bool-true header (type 0, no value) and an int header (type 4) before a string header.
  std::string headers;
  headers += "\x04" "flag";
  headers.push_back(0);
  headers += "\x03" "num";
  headers.push_back(4);
  headers += u32(42);
  headers += "\x0d:message-type";
  headers.push_back(7);
  headers += std::string("\x00\x05", 2) + "event";
  std::string frame = u32(static_cast<std::uint32_t>(16 + headers.size())) + u32(static_cast<std::uint32_t>(headers.size()));
  frame += u32(crc32(frame));
  frame += headers;
  frame += u32(crc32(frame));
  Decoder decoder;
  decoder.feed(frame);
  auto message = decoder.next();
  ASSERT_TRUE(message.ok()) << message.error().message;
  ASSERT_TRUE(message->has_value());
  EXPECT_EQ((*message)->header(":message-type"), "event");
  EXPECT_EQ((*message)->headers.size(), 1U);
}

}  // namespace
}  // namespace kwb::eventstream
