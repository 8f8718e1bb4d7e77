#include "http/server.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <future>
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

TEST(HttpServerTest, RefusesABadListenAddress) {
  RecordingHandler handler;
  ServerOptions options;
  options.host = "not-an-address";
  HttpServer server(options, handler);
  EXPECT_FALSE(server.start().ok());
}

}  // namespace
}  // namespace kwb::http
