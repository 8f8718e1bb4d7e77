#pragma once
// Plain HTTP messages, with no Boost types in sight: what a Handler sees and what it answers.
//
// Headers keep every field the client sent, in order, with case-insensitive lookup (HTTP field
// names are case-insensitive; SigV4 verification needs all of them, duplicates included).
// Request owns its bytes: the server moves the parsed body in, so handlers may keep string_views
// into a Request for as long as the Request lives.
//
// Thread safety: plain values; no shared state.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kwb::http {

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // Appends (does not replace): HTTP allows repeated fields.
  void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  // Replaces every field of that name with one.
  void set(std::string_view name, std::string value);
  void remove(std::string_view name);
  // The first value of a field, case-insensitively; nullopt when absent.
  [[nodiscard]] std::optional<std::string_view> find(std::string_view name) const;
  // The first value, or empty when absent.
  [[nodiscard]] std::string_view get(std::string_view name) const { return find(name).value_or(std::string_view{}); }
  [[nodiscard]] bool contains(std::string_view name) const { return find(name).has_value(); }

  [[nodiscard]] const std::vector<Field>& fields() const { return fields_; }
  [[nodiscard]] bool empty() const { return fields_.empty(); }
  [[nodiscard]] std::size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

struct Request {
  std::string method;          // "GET", "POST", ...
  std::string target;          // path and query, as sent: "/api/streams?limit=10"
  Headers headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53412"
  unsigned version = 11;       // 10 or 11

  // "/api/streams" (the target up to '?').
  [[nodiscard]] std::string_view path() const;
  // "limit=10" (after '?'), empty when there is none.
  [[nodiscard]] std::string_view query() const;
  // The decoded value of the first query parameter of that name; nullopt when absent or malformed.
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
};

// What the server does after the handler returns. Everything but kAnswer exists for fault
// injection (the emulator's fault injector and tests of client timeouts/retries).
enum class Disposition : std::uint8_t {
  kAnswer,              // write the response (the normal case)
  kCloseWithoutAnswer,  // close the connection without writing a byte: the client sees a reset/EOF
  kNeverAnswer,         // keep the connection open and never answer: the client sees a timeout
};

// A response body produced over time (SubscribeToShard's event stream), sent with chunked transfer
// encoding on HTTP/1.1 so the I/O threads never wait for it.
//
// Flow control is pull: the server calls pull() and the source answers by calling `deliver` once,
// from any thread, when it has the next piece (at once, or later when data arrives). The server
// asks again only after that piece is written, so a slow client holds at most one piece in
// memory. last=true ends the body (the piece may be empty); the server then closes the
// connection.
//
// cancel() is called once when the client goes away or the server stops; afterwards the source
// must not call a pending `deliver` (a late call is ignored, but the source should drop it so the
// connection's memory is freed).
// Thread safety: pull() and cancel() may be called from different threads; implementations lock.
class BodySource {
 public:
  using Deliver = std::function<void(std::string piece, bool last)>;
  virtual ~BodySource() = default;
  virtual void pull(Deliver deliver) = 0;
  virtual void cancel() = 0;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type, Retry-After, X-Request-Id, ...; Content-Length is computed
  std::string body;
  Disposition disposition = Disposition::kAnswer;
  // Set: `body` is ignored and the answer streams from the source. Shared because a Response is a
  // copyable value (the server keeps canned ones) and the source may outlive the handler call in
  // whatever notifies it (the emulator's subscription hub); the server holds it until the body ends.
  std::shared_ptr<BodySource> body_source;

  // Shorthand for the common "status + content type + body" answer.
  static Response text(int status, std::string content_type, std::string body);
  static Response json(int status, std::string body) { return text(status, "application/json", std::move(body)); }
};

// A service the server hands every request to.
// Thread safety: handle() is called concurrently from every server thread.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual Response handle(const Request& request) = 0;
};

}  // namespace kwb::http
