// The real libcurl transport against a loopback responder.

#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "aws/http_client.h"
#include "aws/tests/loopback_server.h"

namespace kwb::aws {
namespace {

using testing::LoopbackServer;
using testing::ReceivedRequest;

HttpOptions test_options() {
  HttpOptions options;
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.request_timeout = std::chrono::milliseconds(5000);
  return options;
}

// A socket on 127.0.0.1 that listens but never accepts: the kernel completes the handshake, a
// client sends, and no answer ever comes. Closed when the test ends.
class SilentListener {
 public:
  SilentListener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) return;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 4) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  [[nodiscard]] int port() const { return port_; }  // 0 when the socket could not be set up

 private:
  int fd_;
  int port_ = 0;
};

TEST(CurlTransport, ReusesOneConnectionForSequentialRequests) {
  LoopbackServer server([](const ReceivedRequest& request) { return "echo:" + request.body; });
  auto transport = make_curl_transport(test_options());

  for (const std::string body : {"first", "second"}) {
    HttpRequest request;
    request.url = server.url() + "/";
    request.headers = {{"Host", "127.0.0.1:" + std::to_string(server.port())},
                       {"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "Kinesis_20131202.ListStreams"}};
    request.body = body;
    auto response = transport->send(request);
    ASSERT_TRUE(response) << response.error();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "echo:" + body);
    EXPECT_EQ(response->header("x-test-header"), "yes");  // case-insensitive lookup
    EXPECT_EQ(response->header("X-TEST-HEADER"), "yes");
    EXPECT_FALSE(response->header("X-Missing"));
  }
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(server.connections_accepted(), 1);
  EXPECT_EQ(requests[0].head.rfind("POST / HTTP/1.1", 0), 0u) << requests[0].head;
  EXPECT_NE(requests[0].head.find("X-Amz-Target: Kinesis_20131202.ListStreams"), std::string::npos);
  EXPECT_NE(requests[0].head.find("Content-Type: application/x-amz-json-1.1"), std::string::npos);
  EXPECT_EQ(requests[1].body, "second");
}

std::string chunked_answer(int status, const std::vector<std::string>& pieces) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  for (const auto& piece : pieces) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    out += std::string(size) + "\r\n" + piece + "\r\n";
  }
  return out + "0\r\n\r\n";
}

TEST(CurlTransport, StreamsA2xxBodyToTheConsumer) {
  LoopbackServer server([](const ReceivedRequest&) { return chunked_answer(200, {"event-one|", "event-two"}); });
  auto transport = make_curl_transport(test_options());
  HttpRequest request;
  request.url = server.url() + "/";
  request.timeout = std::chrono::milliseconds(0);  // none
  std::string streamed;
  int calls = 0;
  request.on_body = [&](std::string_view piece) {
    streamed.append(piece);
    ++calls;
    return true;
  };
  auto response = transport->send(request);
  ASSERT_TRUE(response) << response.error();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(streamed, "event-one|event-two");
  EXPECT_GE(calls, 1);
  EXPECT_TRUE(response->body.empty());
}

TEST(CurlTransport, AConsumerThatStopsCancelsTheTransfer) {
  LoopbackServer server([](const ReceivedRequest&) { return chunked_answer(200, {"enough", "never read"}); });
  auto transport = make_curl_transport(test_options());
  HttpRequest request;
  request.url = server.url() + "/";
  request.on_body = [](std::string_view) { return false; };
  auto response = transport->send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::kCancelled) << response.error();
}

TEST(CurlTransport, AnErrorAnswerToAStreamingRequestIsBuffered) {
  LoopbackServer server([](const ReceivedRequest&) {
    return std::string("HTTP/1.1 400 Bad Request\r\nContent-Length: 36\r\n\r\n{\"__type\":\"ResourceInUseException\"} ");
  });
  auto transport = make_curl_transport(test_options());
  HttpRequest request;
  request.url = server.url() + "/";
  bool streamed = false;
  request.on_body = [&](std::string_view) {
    streamed = true;
    return true;
  };
  auto response = transport->send(request);
  ASSERT_TRUE(response) << response.error();
  EXPECT_EQ(response->status, 400);
  EXPECT_FALSE(streamed);
  EXPECT_NE(response->body.find("ResourceInUseException"), std::string::npos);
}

TEST(CurlTransport, ErrorStatusesAreResponsesNotErrors) {
  LoopbackServer server([](const ReceivedRequest&) {
    return std::string(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\nx-amzn-ErrorType: ServiceUnavailable\r\n\r\n{}");
  });
  auto transport = make_curl_transport(test_options());
  HttpRequest request;
  request.url = server.url() + "/";
  auto response = transport->send(request);
  ASSERT_TRUE(response) << response.error();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->header("X-Amzn-ErrorType"), "ServiceUnavailable");
}

TEST(CurlTransport, ConnectionRefusedIsANetworkErrorNamingTheUrl) {
  // Bind a port and close it again, so nothing listens there.
  int port = 0;
  {
    LoopbackServer server([](const ReceivedRequest&) { return std::string(); });
    port = server.port();
  }
  auto transport = make_curl_transport(test_options());
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto response = transport->send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::kNetwork);
  EXPECT_NE(response.error().message.find("could not connect to " + request.url), std::string::npos)
      << response.error().message;
  EXPECT_NE(response.error().message.find("refused"), std::string::npos) << response.error().message;
}

TEST(CurlTransport, SilentServerIsATimeout) {
  // A socket that listens but never accepts: the kernel completes the handshake, curl sends, and
  // no answer ever comes. Nothing sleeps here; curl's own 200 ms timer ends the request.
  const SilentListener silent;
  ASSERT_GT(silent.port(), 0);

  HttpOptions options = test_options();
  options.request_timeout = std::chrono::milliseconds(200);
  auto transport = make_curl_transport(options);
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/";
  auto response = transport->send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::kTimeout);
  EXPECT_NE(response.error().message.find(request.url), std::string::npos) << response.error().message;
}

TEST(CurlTransport, KeepGoingFalseLeavesASilentServer) {
  // As above: the answer never comes and the request has no timeout of its own; the reader gives
  // up through keep_going instead (the second time it is asked, so it is asked while waiting).
  const SilentListener silent;
  ASSERT_GT(silent.port(), 0);

  auto transport = make_curl_transport(test_options());
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/";
  request.timeout = std::chrono::milliseconds(0);
  int asked = 0;
  request.keep_going = [&asked] { return ++asked < 2; };
  auto response = transport->send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ErrorKind::kCancelled) << response.error();
  EXPECT_GE(asked, 2);
}

}  // namespace
}  // namespace kwb::aws
