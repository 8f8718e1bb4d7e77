#include "emulator/cbor_codec.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "emulator/api_error.h"

namespace kwb::emulator {
namespace {

using nlohmann::json;

bool is_timestamp_key(std::string_view key) { return key.size() >= 9 && key.substr(key.size() - 9) == "Timestamp"; }

// Request side: byte strings become base64 text; timestamps become epoch seconds.
void to_json_shapes(json& value, std::string_view key) {
  switch (value.type()) {
    case json::value_t::binary: {
      const auto& bytes = value.get_binary();
      value = base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      return;
    }
    case json::value_t::object:
      for (auto it = value.begin(); it != value.end(); ++it) to_json_shapes(it.value(), it.key());
      return;
    case json::value_t::array:
      for (auto& element : value) to_json_shapes(element, key);
      return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      if (is_timestamp_key(key)) {
        const double number = value.get<double>();
        if (std::fabs(number) >= 1e11) value = number / 1000.0;
      }
      return;
    default:
      return;
  }
}

// nlohmann 3.11 (Debian 12) rejects tags 0 to 5 outright, tag 1 (epoch time) among them, even with
// cbor_tag_handler_t::ignore. So before decoding, one pass over the item structure copies the
// body without tag heads; values stay untouched for nlohmann to decode. Returns false on a
// malformed or too deeply nested body.
constexpr int kMaxDepth = 64;

bool read_argument(std::string_view in, std::size_t& pos, std::uint8_t info, std::uint64_t& value) {
  if (info < 24) {
    value = info;
    return true;
  }
  if (info > 27) return false;
  const std::size_t bytes = std::size_t{1} << (info - 24);
  if (in.size() - pos < bytes) return false;
  value = 0;
  for (std::size_t i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(in[pos++]);
  return true;
}

bool copy_without_tags(std::string_view in, std::size_t& pos, std::string& out, int depth) {
  if (depth > kMaxDepth || pos >= in.size()) return false;
  const std::size_t head = pos;
  const auto initial = static_cast<unsigned char>(in[pos++]);
  const std::uint8_t major = initial >> 5, info = initial & 31;
  if (info == 31) {  // indefinite length: items until the 0xFF break
    if (major < 2 || major == 6) return false;
    if (major == 7) return false;  // a stray break
    out += in[head];
    for (;;) {
      if (pos >= in.size()) return false;
      if (static_cast<unsigned char>(in[pos]) == 0xFF) {
        out += in[pos++];
        return true;
      }
      if (!copy_without_tags(in, pos, out, depth + 1)) return false;
      if (major == 5 && !copy_without_tags(in, pos, out, depth + 1)) return false;
    }
  }
  std::uint64_t argument = 0;
  if (!read_argument(in, pos, info, argument)) return false;
  switch (major) {
    case 6:  // a tag: drop its head, keep its content
      return copy_without_tags(in, pos, out, depth + 1);
    case 2:
    case 3:
      if (in.size() - pos < argument) return false;
      pos += static_cast<std::size_t>(argument);
      out.append(in.substr(head, pos - head));
      return true;
    case 4:
    case 5: {
      out.append(in.substr(head, pos - head));
      const std::uint64_t items = major == 5 ? argument * 2 : argument;
      if (items > in.size()) return false;  // every item takes at least one byte
      for (std::uint64_t i = 0; i < items; ++i) {
        if (!copy_without_tags(in, pos, out, depth + 1)) return false;
      }
      return true;
    }
    default:  // integers, simple values, floats: the head is the whole item
      out.append(in.substr(head, pos - head));
      return true;
  }
}

// Response side. nlohmann writes every value but cannot put a tag in front of a number, so maps and
// arrays are walked here (their headers are one to nine bytes) and each scalar is written by
// nlohmann's own encoder.
void append_head(std::string& out, std::uint8_t major, std::uint64_t length) {
  const auto type = static_cast<char>(major << 5);
  if (length < 24) {
    out += static_cast<char>(type | static_cast<char>(length));
  } else if (length <= 0xFF) {
    out += static_cast<char>(type | 24);
    out += static_cast<char>(length);
  } else if (length <= 0xFFFF) {
    out += static_cast<char>(type | 25);
    for (int i = 1; i >= 0; --i) out += static_cast<char>((length >> (8 * i)) & 0xFF);
  } else if (length <= 0xFFFFFFFFull) {
    out += static_cast<char>(type | 26);
    for (int i = 3; i >= 0; --i) out += static_cast<char>((length >> (8 * i)) & 0xFF);
  } else {
    out += static_cast<char>(type | 27);
    for (int i = 7; i >= 0; --i) out += static_cast<char>((length >> (8 * i)) & 0xFF);
  }
}

void append_scalar(std::string& out, const json& scalar) {
  const std::vector<std::uint8_t> bytes = json::to_cbor(scalar);
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void write_cbor(std::string& out, const json& value, std::string_view key) {
  switch (value.type()) {
    case json::value_t::object:
      append_head(out, 5, value.size());
      for (auto it = value.begin(); it != value.end(); ++it) {
        append_scalar(out, json(it.key()));
        write_cbor(out, it.value(), it.key());
      }
      return;
    case json::value_t::array:
      append_head(out, 4, value.size());
      for (const auto& element : value) write_cbor(out, element, key);
      return;
    case json::value_t::string:
      if (key == "Data") {
        if (auto bytes = base64_decode(value.get_ref<const std::string&>())) {
          append_head(out, 2, bytes->size());
          out += *bytes;
          return;
        }
      }
      append_scalar(out, value);
      return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      if (is_timestamp_key(key)) {
        append_head(out, 6, 1);  // tag 1: epoch-based date/time
        append_scalar(out, json(static_cast<std::int64_t>(std::llround(value.get<double>() * 1000.0))));
        return;
      }
      append_scalar(out, value);
      return;
    default:
      append_scalar(out, value);
      return;
  }
}

}  // namespace

Result<std::string> cbor_request_to_json(std::string_view cbor) {
  if (cbor.empty()) return std::string("{}");
  std::string untagged;
  untagged.reserve(cbor.size());
  std::size_t pos = 0;
  if (!copy_without_tags(cbor, pos, untagged, 0) || pos != cbor.size()) {
    return serialization_error("The request body is not valid CBOR.");
  }
  json value = json::from_cbor(untagged.begin(), untagged.end(), /*strict=*/true, /*allow_exceptions=*/false,
                               json::cbor_tag_handler_t::ignore);
  if (value.is_discarded()) return serialization_error("The request body is not valid CBOR.");
  if (!value.is_object()) return serialization_error("Start of structure or map found where not expected.");
  to_json_shapes(value, "");
  // CBOR text strings must be UTF-8 (RFC 8949 3.1) but nlohmann's reader does not check; its
  // writer does, and throws. Found by the fuzzer (a map key with 0x88 bytes).
  try {
    return value.dump();
  } catch (const json::type_error&) {
    return serialization_error("The request body is not valid CBOR: a text string is not UTF-8.");
  }
}

Result<std::string> json_response_to_cbor(std::string_view text) {
  if (text.empty()) return std::string();  // operations that answer with no body
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return internal_failure("The response could not be encoded as CBOR.");
  std::string out;
  write_cbor(out, value, "");
  return out;
}

}  // namespace kwb::emulator
