#include "emulator/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

namespace kwb::emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string_view sv(beast::string_view s) { return std::string_view(s.data(), s.size()); }

// Answers nobody claims.
ApiResponse not_found_response() {
  ApiResponse response;
  response.status = 404;
  response.content_type = "application/json";
  response.body = R"({"__type":"NotFound","message":"No service handles this request."})";
  return response;
}

}  // namespace

void parse_credential_scope(std::string_view authorization, std::string_view& region, std::string_view& service) {
  region = {};
  service = {};
  const auto at = authorization.find("Credential=");
  if (at == std::string_view::npos) return;
  std::string_view rest = authorization.substr(at + 11);
  const auto end = rest.find_first_of(", ");
  rest = rest.substr(0, end);
  // AKID/DATE/REGION/SERVICE/aws4_request
  std::string_view parts[5];
  for (int i = 0; i < 5; ++i) {
    const auto slash = rest.find('/');
    parts[i] = rest.substr(0, slash);
    if (slash == std::string_view::npos) {
      if (i != 4) return;
      break;
    }
    rest = rest.substr(slash + 1);
  }
  region = parts[2];
  service = parts[3];
}

ApiResponse Router::route(const ApiRequest& request) const {
  for (ServiceHandler* handler : handlers_) {
    if (handler->accepts(request)) return handler->handle(request);
  }
  return not_found_response();
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Router& router, std::uint64_t max_body)
      : stream_(std::move(socket)), router_(router), max_body_(max_body) {}

  void start() { read_header(); }

 private:
  void read_header() {
    parser_.emplace();
    parser_->body_limit(max_body_);
    parser_->header_limit(64 * 1024);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return close_after_error(ec);
    const auto& request = parser_->get();
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      // Clients such as curl wait for this before sending a large body.
      auto continue_response = std::make_shared<http::response<http::empty_body>>(http::status::continue_, request.version());
      http::async_write(stream_, *continue_response,
                        [self = shared_from_this(), continue_response](beast::error_code write_ec, std::size_t) {
                          if (write_ec) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void close_after_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      // Say why before closing; the rest of the body is not read.
      auto response = std::make_shared<http::response<http::string_body>>(http::status::payload_too_large, 11);
      response->set(http::field::content_type, "application/x-amz-json-1.1");
      response->set(http::field::connection, "close");
      response->body() = R"({"__type":"SerializationException","message":"Request body too large."})";
      response->prepare_payload();
      http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code, std::size_t) {
        self->close();
      });
      return;
    }
    close();
  }

  void on_read(beast::error_code ec) {
    if (ec) return close_after_error(ec);
    auto& request = parser_->get();
    ApiRequest api;
    api.method = sv(request.method_string());
    api.target = sv(request.target());
    api.content_type = sv(request[http::field::content_type]);
    api.amz_target = sv(request["X-Amz-Target"]);
    api.authorization = sv(request[http::field::authorization]);
    api.body = request.body();
    parse_credential_scope(api.authorization, api.signing_region, api.signing_service);

    ApiResponse result;
    try {
      result = router_.route(api);
    } catch (const std::exception& e) {
      // Nothing in the handlers should throw; if something does, answer as AWS does and carry on.
      spdlog::error("request handler threw: {}", e.what());
      result.status = 500;
      result.body = R"({"__type":"InternalFailure","message":"Internal error."})";
    }
    const bool keep_alive = request.keep_alive();
    response_.emplace(static_cast<http::status>(result.status), request.version());
    response_->set(http::field::content_type, result.content_type);
    response_->set("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000");
    response_->body() = std::move(result.body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    http::async_write(stream_, *response_, [self = shared_from_this(), keep_alive](beast::error_code write_ec, std::size_t) {
      if (write_ec || !keep_alive) return self->close();
      self->response_.reset();
      self->read_header();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  const Router& router_;
  std::uint64_t max_body_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

struct HttpServer::Impl {
  ServerOptions options;
  const Router& router;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::atomic<std::uint16_t> port{0};
  bool running = false;

  Impl(ServerOptions o, const Router& r) : options(std::move(o)), router(r), io(o.threads) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        spdlog::warn("accept failed: {}", ec.message());
      } else {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), router, options.max_request_bytes)->start();
      }
      if (acceptor.is_open()) accept();
    });
  }
};

HttpServer::HttpServer(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::uint16_t> HttpServer::start() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Error::config("invalid listen address '" + impl_->options.host + "': " + ec.message());
  const tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::io("cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) + ": " +
                     ec.message());
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->running = true;
  for (int i = 0; i < impl_->options.threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return impl_->port.load();
}

void HttpServer::stop() {
  if (!impl_ || !impl_->running) return;
  impl_->running = false;
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

std::uint16_t HttpServer::port() const { return impl_->port.load(); }

}  // namespace kwb::emulator
