#include "loadtest/envelope.h"

#include <charconv>
#include <cstdio>

namespace kwb::loadtest {

namespace {

constexpr std::string_view kMagic = "kwb1 ";

bool run_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

template <typename T>
bool parse_int(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// The next space-separated field; false when none is left.
bool next_field(std::string_view& rest, std::string_view& field) {
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) return false;
  field = rest.substr(0, space);
  rest.remove_prefix(space + 1);
  return true;
}

}  // namespace

std::int64_t to_epoch_us(SystemTimePoint time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

SystemTimePoint from_epoch_us(std::int64_t us) {
  return SystemTimePoint(std::chrono::duration_cast<SystemTimePoint::duration>(std::chrono::microseconds(us)));
}

std::string make_run_id(std::uint64_t random_bits) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "lt-%010llx",
                static_cast<unsigned long long>(random_bits & 0xffffffffffULL));
  return buffer;
}

Status validate_run_id(std::string_view run_id) {
  if (run_id.empty() || run_id.size() > 64) return Error::invalid_input("--run-id", "a run id has 1 to 64 characters");
  for (char c : run_id) {
    if (!run_id_char(c)) return Error::invalid_input("--run-id", "a run id may hold only letters, digits, '-' and '_'");
  }
  return ok_status();
}

std::string encode_header(const Envelope& e) {
  std::string out(kMagic);
  out += e.run_id;
  out += ' ';
  out += std::to_string(e.producer);
  out += ' ';
  out += std::to_string(e.seq);
  out += ' ';
  out += std::to_string(e.send_us);
  out += '|';
  return out;
}

std::string encode(const Envelope& envelope, std::size_t size) {
  std::string out = encode_header(envelope);
  if (out.size() < size) out.append(size - out.size(), '.');
  return out;
}

std::optional<Envelope> decode(std::string_view data) {
  if (data.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  const auto bar = data.find('|');
  if (bar == std::string_view::npos) return std::nullopt;
  std::string_view rest = data.substr(kMagic.size(), bar - kMagic.size());
  rest = std::string_view(rest.data(), rest.size());
  std::string_view run_id, producer, seq;
  if (!next_field(rest, run_id) || !next_field(rest, producer) || !next_field(rest, seq)) return std::nullopt;
  Envelope e;
  if (run_id.empty() || run_id.size() > 64) return std::nullopt;
  for (char c : run_id) {
    if (!run_id_char(c)) return std::nullopt;
  }
  e.run_id = std::string(run_id);
  if (!parse_int(producer, e.producer) || !parse_int(seq, e.seq) || !parse_int(rest, e.send_us)) return std::nullopt;
  return e;
}

}  // namespace kwb::loadtest
