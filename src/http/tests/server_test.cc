#include "http/server.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>

#include <gtest/gtest.h>

namespace kwb::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// Records what it saw and answers with a configurable response.
class RecordingHandler final : public Handler {
 public:
  Response handle(const Request& request) override {
    std::lock_guard lock(mutex_);
    last_ = request;
    if (!called_set_) {
      called_set_ = true;
      called_.set_value();
    }
    return reply_;
  }
  Request last() {
    std::lock_guard lock(mutex_);
    return last_;
  }
  void set_reply(Response reply) { reply_ = std::move(reply); }
  std::future<void> called() { return called_.get_future(); }

 private:
  std::mutex mutex_;
  Request last_;
  Response reply_ = Response::json(200, R"({"ok":true})");
  std::promise<void> called_;
  bool called_set_ = false;
};

class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) { socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)); }

  bhttp::response<bhttp::string_body> send(bhttp::request<bhttp::string_body> request) {
    request.prepare_payload();
    bhttp::write(socket_, request);
    bhttp::response<bhttp::string_body> response;
    bhttp::read(socket_, buffer_, response);
    return response;
  }
  void write_only(bhttp::request<bhttp::string_body> request) {
    request.prepare_payload();
    bhttp::write(socket_, request);
  }
  // Reads until EOF; returns the bytes received.
  std::size_t read_to_eof() {
    std::size_t total = 0;
    std::array<char, 1024> chunk{};
    beast::error_code ec;
    for (;;) {
      const auto n = socket_.read_some(asio::buffer(chunk), ec);
      total += n;
      if (ec) return total;
    }
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

bhttp::request<bhttp::string_body> make_request(bhttp::verb verb, std::string target, std::string body = {}) {
  bhttp::request<bhttp::string_body> request(verb, target, 11);
  request.set(bhttp::field::host, "127.0.0.1");
  request.body() = std::move(body);
  return request;
}

TEST(HttpServerTest, PassesEveryHeaderAndTheBodyAndWritesResponseHeaders) {
  RecordingHandler handler;
  Response reply = Response::json(201, R"({"created":true})");
  reply.headers.add("X-Request-Id", "req-1");
  reply.headers.add("Retry-After", "7");
  handler.set_reply(reply);
  HttpServer server(ServerOptions{}, handler);
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  ASSERT_NE(*port, 0);

  Client client(*port);
  auto request = make_request(bhttp::verb::post, "/api/streams?x=1", "payload");
  request.set("X-Custom-Thing", "abc");
  request.insert("X-Repeated", "one");
  request.insert("X-Repeated", "two");
  const auto response = client.send(request);
  EXPECT_EQ(response.result_int(), 201);
  EXPECT_EQ(response.body(), R"({"created":true})");
  EXPECT_EQ(response["X-Request-Id"], "req-1");
  EXPECT_EQ(response["Retry-After"], "7");
  EXPECT_EQ(response[bhttp::field::content_type], "application/json");

  const Request seen = handler.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/api/streams?x=1");
  EXPECT_EQ(seen.path(), "/api/streams");
  EXPECT_EQ(seen.body, "payload");
  EXPECT_EQ(seen.headers.get("x-custom-thing"), "abc");
  int repeated = 0;
  for (const auto& [name, value] : seen.headers.fields()) repeated += (name == "X-Repeated");
  EXPECT_EQ(repeated, 2);
  EXPECT_EQ(seen.remote_address.rfind("127.0.0.1:", 0), 0u);

  // Keep-alive: a second request on the same connection.
  const auto again = client.send(make_request(bhttp::verb::get, "/second"));
  EXPECT_EQ(again.result_int(), 201);
  EXPECT_EQ(handler.last().target, "/second");
}

TEST(HttpServerTest, OversizedBodyGets413) {
  RecordingHandler handler;
  ServerOptions options;
  options.max_request_bytes = 16;
  HttpServer server(options, handler);
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  Client client(*port);
  const auto response = client.send(make_request(bhttp::verb::post, "/", std::string(100, 'x')));
  EXPECT_EQ(response.result_int(), 413);
}

class ThrowingHandler final : public Handler {
 public:
  Response handle(const Request&) override { throw std::runtime_error("boom"); }
};

TEST(HttpServerTest, ThrowingHandlerGetsInternalError) {
  ThrowingHandler handler;
  HttpServer server(ServerOptions{}, handler);
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  Client client(*port);
  EXPECT_EQ(client.send(make_request(bhttp::verb::get, "/")).result_int(), 500);
}

TEST(HttpServerTest, CloseWithoutAnswerSendsNothing) {
  RecordingHandler handler;
  Response reply;
  reply.disposition = Disposition::kCloseWithoutAnswer;
  handler.set_reply(reply);
  HttpServer server(ServerOptions{}, handler);
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  Client client(*port);
  client.write_only(make_request(bhttp::verb::get, "/"));
  EXPECT_EQ(client.read_to_eof(), 0u);
}

TEST(HttpServerTest, NeverAnswerKeepsTheConnectionSilentUntilShutdown) {
  RecordingHandler handler;
  Response reply;
  reply.disposition = Disposition::kNeverAnswer;
  handler.set_reply(reply);
  auto called = handler.called();
  std::optional<Client> client;
  {
    HttpServer server(ServerOptions{}, handler);
    auto port = server.start();
    ASSERT_TRUE(port.ok());
    client.emplace(*port);
    client->write_only(make_request(bhttp::verb::get, "/"));
    called.wait();  // the handler ran; the server now holds the connection open
  }
  // The server is gone: the held connection closes, and no byte was ever written.
  EXPECT_EQ(client->read_to_eof(), 0u);
}

// A body source the test drives: it records each pull and delivers pieces when the test says.
class ScriptedSource final : public BodySource {
 public:
  void pull(Deliver deliver) override {
    std::lock_guard lock(mutex_);
    pending_ = std::move(deliver);
    changed_.notify_all();
  }
  void cancel() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    pending_ = nullptr;
    changed_.notify_all();
  }
  // Waits (bounded) for the server to ask, then delivers; false if it never asked.
  bool deliver(std::string piece, bool last) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, std::chrono::seconds(10), [this] { return pending_ != nullptr || cancelled_; })) return false;
    if (cancelled_) return false;
    Deliver deliver = std::move(pending_);
    pending_ = nullptr;
    lock.unlock();
    deliver(std::move(piece), last);
    return true;
  }
  bool wait_cancelled() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [this] { return cancelled_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  Deliver pending_;         // GUARDED_BY(mutex_)
  bool cancelled_ = false;  // GUARDED_BY(mutex_)
};

// Reads raw bytes until `marker` has arrived (or EOF); returns everything read so far.
std::string read_until(tcp::socket& socket, std::string& seen, std::string_view marker) {
  std::array<char, 1024> chunk{};
  beast::error_code ec;
  while (seen.find(marker) == std::string::npos) {
    const auto n = socket.read_some(asio::buffer(chunk), ec);
    seen.append(chunk.data(), n);
    if (ec) break;
  }
  return seen;
}

Response streamed_reply(const std::shared_ptr<ScriptedSource>& source) {
  Response reply;
  reply.headers.set("Content-Type", "application/vnd.amazon.eventstream");
  reply.body_source = source;
  return reply;
}

// Streams /subscribe from the source; answers anything else at once.
class StreamOrPlainHandler final : public Handler {
 public:
  explicit StreamOrPlainHandler(std::shared_ptr<ScriptedSource> source) : source_(std::move(source)) {}
  Response handle(const Request& request) override {
    if (request.path() == "/subscribe") return streamed_reply(source_);
    return Response::json(200, R"({"plain":true})");
  }

 private:
  std::shared_ptr<ScriptedSource> source_;
};

// Connects `socket` to the server on 127.0.0.1:port and sends the request the streaming handlers
// answer with a body that arrives over time.
void send_subscribe(tcp::socket& socket, std::uint16_t port) {
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  auto request = make_request(bhttp::verb::post, "/subscribe");
  request.prepare_payload();
  bhttp::write(socket, request);
}

TEST(HttpServerStreamingTest, SendsPiecesAsChunksAsTheyComeWithoutHoldingTheOnlyThread) {
  auto source = std::make_shared<ScriptedSource>();
  StreamOrPlainHandler handler(source);
  ServerOptions options;
  options.threads = 1;  // the open stream must not hold it
  HttpServer server(options, handler);
  auto port = server.start();
  ASSERT_TRUE(port.ok());

  asio::io_context io;
  tcp::socket socket(io);
  send_subscribe(socket, *port);
  std::string seen;
  ASSERT_TRUE(source->deliver("first-piece", false));
  read_until(socket, seen, "first-piece");
  EXPECT_NE(seen.find("Transfer-Encoding: chunked"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Connection: close"), std::string::npos) << seen;
  EXPECT_NE(seen.find("application/vnd.amazon.eventstream"), std::string::npos) << seen;
  EXPECT_NE(seen.find("b\r\nfirst-piece\r\n"), std::string::npos) << seen;

  // While the stream waits for its next piece, the single I/O thread still answers others.
  Client other(*port);
  auto plain = other.send(make_request(bhttp::verb::get, "/other"));
  EXPECT_EQ(plain.result_int(), 200);
  EXPECT_EQ(plain.body(), R"({"plain":true})");

  ASSERT_TRUE(source->deliver("second", false));
  read_until(socket, seen, "second");
  ASSERT_TRUE(source->deliver("", true));
  read_until(socket, seen, "0\r\n\r\n");
  // The body ended: the server closes the connection and releases the source.
  std::array<char, 16> rest{};
  beast::error_code ec;
  socket.read_some(asio::buffer(rest), ec);
  EXPECT_EQ(ec, asio::error::eof);
  // Parsed as HTTP, the bytes are one chunked response carrying both pieces in order.
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  beast::error_code parse_ec;
  parser.put(asio::buffer(seen), parse_ec);
  ASSERT_FALSE(parse_ec) << parse_ec.message();
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "first-piecesecond");
}

TEST(HttpServerStreamingTest, AClientHangingUpCancelsTheSource) {
  auto source = std::make_shared<ScriptedSource>();
  RecordingHandler handler;
  handler.set_reply(streamed_reply(source));
  HttpServer server(ServerOptions{}, handler);
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  {
    asio::io_context io;
    tcp::socket socket(io);
    send_subscribe(socket, *port);
    std::string seen;
    ASSERT_TRUE(source->deliver("hello", false));
    read_until(socket, seen, "hello");
  }  // closed while the server waits for the next piece
  EXPECT_TRUE(source->wait_cancelled());
}

TEST(HttpServerStreamingTest, StopCancelsOpenStreams) {
  auto source = std::make_shared<ScriptedSource>();
  RecordingHandler handler;
  handler.set_reply(streamed_reply(source));
  auto called = handler.called();
  asio::io_context io;
  tcp::socket socket(io);
  {
    HttpServer server(ServerOptions{}, handler);
    auto port = server.start();
    ASSERT_TRUE(port.ok());
    send_subscribe(socket, *port);
    called.wait();
  }
  EXPECT_TRUE(source->wait_cancelled());
}

// A source that ignores cancel() and delivers anyway, after the server is gone: the late piece
// must be dropped without touching the destroyed server (ASan would see it).
class LateSource final : public BodySource {
 public:
  void pull(Deliver deliver) override {
    std::lock_guard lock(mutex_);
    held_ = std::move(deliver);
    pulled_.notify_all();
  }
  void cancel() override {}
  Deliver wait_pulled() {
    std::unique_lock lock(mutex_);
    pulled_.wait_for(lock, std::chrono::seconds(10), [this] { return held_ != nullptr; });
    return held_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable pulled_;
  Deliver held_;
};

TEST(HttpServerStreamingTest, ADeliveryAfterTheServerIsGoneIsDropped) {
  auto source = std::make_shared<LateSource>();
  RecordingHandler handler;
  Response reply;
  reply.body_source = source;
  handler.set_reply(reply);
  BodySource::Deliver late;
  asio::io_context io;
  tcp::socket socket(io);
  {
    HttpServer server(ServerOptions{}, handler);
    auto port = server.start();
    ASSERT_TRUE(port.ok());
    send_subscribe(socket, *port);
    late = source->wait_pulled();
    ASSERT_TRUE(late);
  }
  late("too late", true);  // must be a no-op
  SUCCEED();
}

TEST(HttpServerTest, RefusesABadListenAddress) {
  RecordingHandler handler;
  ServerOptions options;
  options.host = "not-an-address";
  HttpServer server(options, handler);
  EXPECT_FALSE(server.start().ok());
}

}  // namespace
}  // namespace kwb::http
