#pragma once
// A minimal streaming JSON writer for responses.
//
// Responses are built on the hot path (500 PutRecords results, 10,000 GetRecords entries), so this
// appends straight into one std::string with no tree and no per-value allocation. It tracks only
// whether a comma is due; callers keep objects and arrays balanced.
//
// Thread safety: one writer per response; not shared.

#include <cstdint>
#include <string>
#include <string_view>

namespace kwb::emulator {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { separate(); out_.push_back('{'); first_ = true; }
  void end_object() { out_.push_back('}'); first_ = false; }
  void begin_array() { separate(); out_.push_back('['); first_ = true; }
  void end_array() { out_.push_back(']'); first_ = false; }
  void key(std::string_view name);  // names are ours: plain ASCII, no escaping needed

  void string(std::string_view value);
  void integer(std::int64_t value);
  void uinteger(std::uint64_t value);
  void boolean(bool value) { separate(); out_.append(value ? "true" : "false"); }
  void null() { separate(); out_.append("null"); }
  // Epoch seconds with millisecond precision, the JSON 1.1 timestamp form ("1700000000.123").
  void timestamp_ms(std::int64_t epoch_ms);
  // Standard base64 of bytes, written as a JSON string.
  void base64(std::string_view bytes);
  // Text already known to need no escaping (sequence numbers, shard ids, decimal keys).
  void raw_string(std::string_view value);

  // Convenience: key + value.
  void field(std::string_view name, std::string_view value) { key(name); string(value); }
  void field_int(std::string_view name, std::int64_t value) { key(name); integer(value); }
  void field_bool(std::string_view name, bool value) { key(name); boolean(value); }

  std::string& buffer() { return out_; }
  // For a caller that formats one whole JSON value itself (the hot PutRecords result array): writes
  // the separator the next value needs and returns the buffer to append that value to.
  std::string& raw_value() {
    separate();
    return out_;
  }

 private:
  void separate() {
    if (!first_) out_.push_back(',');
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
};

// Base64 helpers that write into caller buffers, so the data path needs no temporary strings.
void append_base64(std::string& out, std::string_view bytes);
// Decodes standard padded base64, appending to out. Returns false (out unspecified past its old
// size) when the text is not valid base64.
bool append_base64_decoded(std::string& out, std::string_view text);
// Length of the decoded bytes of well-formed base64 text (no validation).
std::size_t base64_decoded_size(std::string_view text);

}  // namespace kwb::emulator
