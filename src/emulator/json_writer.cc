#include "emulator/json_writer.h"

#include <array>
#include <charconv>
#include <cstring>

namespace kwb::emulator {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}
constexpr auto kDecode = make_decode_table();

// The same table, pre-shifted into each of the four positions of a 24-bit quantum, so a full
// quantum decodes with four loads and three ORs. An invalid character sets bits above the 24, so
// one test per quantum catches it. Decoding runs over every byte of every PutRecords body.
constexpr std::uint32_t kInvalidBits = 0xff000000u;
constexpr std::array<std::uint32_t, 256> make_shifted_table(int shift) {
  std::array<std::uint32_t, 256> table{};
  for (int i = 0; i < 256; ++i) {
    const int v = kDecode[static_cast<std::size_t>(i)];
    table[static_cast<std::size_t>(i)] = v < 0 ? kInvalidBits : static_cast<std::uint32_t>(v) << shift;
  }
  return table;
}
constexpr auto kDecode0 = make_shifted_table(18);
constexpr auto kDecode1 = make_shifted_table(12);
constexpr auto kDecode2 = make_shifted_table(6);
constexpr auto kDecode3 = make_shifted_table(0);

// Every 12-bit value as its two base64 characters, so encoding a 3-byte group takes two lookups.
// 8 KB; GetRecords encodes every byte it returns.
constexpr auto kEncodePairs = [] {
  std::array<char, 4096 * 2> pairs{};
  for (std::size_t v = 0; v < 4096; ++v) {
    pairs[2 * v] = kAlphabet[v >> 6];
    pairs[2 * v + 1] = kAlphabet[v & 63];
  }
  return pairs;
}();

}  // namespace

void JsonWriter::key(std::string_view name) {
  separate();
  out_.push_back('"');
  out_.append(name);
  out_.append("\":");
  first_ = true;  // the value that follows takes no comma
}

void JsonWriter::raw_string(std::string_view value) {
  separate();
  out_.push_back('"');
  out_.append(value);
  out_.push_back('"');
}

void JsonWriter::string(std::string_view value) {
  separate();
  out_.push_back('"');
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out_.append(value.substr(run_start, i - run_start));
    switch (c) {
      case '"': out_.append("\\\""); break;
      case '\\': out_.append("\\\\"); break;
      case '\n': out_.append("\\n"); break;
      case '\r': out_.append("\\r"); break;
      case '\t': out_.append("\\t"); break;
      case '\b': out_.append("\\b"); break;
      case '\f': out_.append("\\f"); break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out_.append(escape, 6);
      }
    }
    run_start = i + 1;
  }
  out_.append(value.substr(run_start));
  out_.push_back('"');
}

void JsonWriter::integer(std::int64_t value) {
  separate();
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;
  out_.append(buffer, end);
}

void JsonWriter::uinteger(std::uint64_t value) {
  separate();
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;
  out_.append(buffer, end);
}

void JsonWriter::timestamp_ms(std::int64_t epoch_ms) {
  separate();
  char buffer[32];
  const std::int64_t seconds = epoch_ms >= 0 ? epoch_ms / 1000 : -((-epoch_ms + 999) / 1000);
  const std::int64_t millis = epoch_ms - seconds * 1000;
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, seconds);
  (void)ec;
  out_.append(buffer, end);
  out_.push_back('.');
  out_.push_back(static_cast<char>('0' + millis / 100));
  out_.push_back(static_cast<char>('0' + millis / 10 % 10));
  out_.push_back(static_cast<char>('0' + millis % 10));
}

void JsonWriter::base64(std::string_view bytes) {
  separate();
  out_.push_back('"');
  append_base64(out_, bytes);
  out_.push_back('"');
}

void append_base64(std::string& out, std::string_view bytes) {
  const std::size_t old = out.size();
  out.resize(old + (bytes.size() + 2) / 3 * 4);
  char* dst = out.data() + old;
  const auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (src[i] << 16) | (src[i + 1] << 8) | src[i + 2];
    std::memcpy(dst, &kEncodePairs[(v >> 12) * 2], 2);
    std::memcpy(dst + 2, &kEncodePairs[(v & 0xfff) * 2], 2);
    dst += 4;
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = src[i] << 16;
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = '=';
    *dst++ = '=';
  } else if (rest == 2) {
    const std::uint32_t v = (src[i] << 16) | (src[i + 1] << 8);
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = '=';
  }
}

std::size_t base64_decoded_size(std::string_view text) {
  if (text.empty()) return 0;
  std::size_t size = text.size() / 4 * 3;
  if (text.back() == '=') --size;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --size;
  return size;
}

bool append_base64_decoded(std::string& out, std::string_view text) {
  if (text.size() % 4 != 0) return false;
  if (text.empty()) return true;
  const std::size_t old = out.size();
  out.resize(old + base64_decoded_size(text));
  char* dst = out.data() + old;
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t full = text.size() - 4;  // the last quantum may carry padding
  std::uint32_t invalid = 0;
  for (std::size_t i = 0; i < full; i += 4) {
    const std::uint32_t v = kDecode0[src[i]] | kDecode1[src[i + 1]] | kDecode2[src[i + 2]] | kDecode3[src[i + 3]];
    invalid |= v;  // checked once after the loop: a bad blob is rare and fails the whole call
    dst[0] = static_cast<char>(v >> 16);
    dst[1] = static_cast<char>((v >> 8) & 0xff);
    dst[2] = static_cast<char>(v & 0xff);
    dst += 3;
  }
  if ((invalid & kInvalidBits) != 0) return false;
  const unsigned char* q = src + full;
  const int a = kDecode[q[0]], b = kDecode[q[1]];
  if ((a | b) < 0) return false;
  if (q[2] == '=') {
    if (q[3] != '=' || (b & 15) != 0) return false;
    *dst++ = static_cast<char>((a << 2) | (b >> 4));
    return true;
  }
  const int c = kDecode[q[2]];
  if (c < 0) return false;
  if (q[3] == '=') {
    if ((c & 3) != 0) return false;
    *dst++ = static_cast<char>((a << 2) | (b >> 4));
    *dst++ = static_cast<char>(((b & 15) << 4) | (c >> 2));
    return true;
  }
  const int d = kDecode[q[3]];
  if (d < 0) return false;
  const std::uint32_t v = (static_cast<std::uint32_t>(a) << 18) | (b << 12) | (c << 6) | d;
  *dst++ = static_cast<char>(v >> 16);
  *dst++ = static_cast<char>((v >> 8) & 0xff);
  *dst++ = static_cast<char>(v & 0xff);
  return true;
}

}  // namespace kwb::emulator
