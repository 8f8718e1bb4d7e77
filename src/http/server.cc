#include "http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

namespace kwb::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

std::string to_string(beast::string_view s) { return std::string(s.data(), s.size()); }

// Counts requests inside a handler so stop() can wait for them.
class InFlight {
 public:
  void enter() {
    std::lock_guard lock(mutex_);
    ++count_;
  }
  void leave() {
    std::lock_guard lock(mutex_);
    if (--count_ == 0) idle_.notify_all();
  }
  // Returns false when the timeout passed with requests still running.
  bool wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [this] { return count_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  int count_ = 0;  // GUARDED_BY(mutex_)
};

// Streamed bodies being sent, so stop() can cancel them instead of waiting minutes for them.
class OpenStreams {
 public:
  // False when the server is stopping: the caller cancels the source instead of streaming it.
  bool add(const std::shared_ptr<BodySource>& source) {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    sources_.push_back(source);
    return true;
  }
  void remove(const BodySource* source) {
    std::lock_guard lock(mutex_);
    std::erase_if(sources_, [source](const std::weak_ptr<BodySource>& weak) {
      auto held = weak.lock();
      return !held || held.get() == source;
    });
  }
  // Cancels every open stream and refuses new ones.
  void close_all() {
    std::vector<std::weak_ptr<BodySource>> sources;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      sources.swap(sources_);
    }
    for (auto& weak : sources) {
      if (auto source = weak.lock()) source->cancel();
    }
  }

 private:
  std::mutex mutex_;
  bool closed_ = false;                              // GUARDED_BY(mutex_)
  std::vector<std::weak_ptr<BodySource>> sources_;  // GUARDED_BY(mutex_)
};

// How a BodySource's deliver callback, which may run on any thread and outlive the server, reaches
// the I/O threads: it posts only while the gate is open, under the gate's mutex, and stop() closes
// the gate before the io_context stops, so nothing is ever posted to a stopped or destroyed one.
// Shared by the server and every deliver callback it hands out.
class DeliveryGate {
 public:
  explicit DeliveryGate(asio::io_context& io) : io_(&io) {}
  template <class Fn>
  void post(Fn&& fn) {
    std::lock_guard lock(mutex_);
    if (io_ != nullptr) asio::post(*io_, std::forward<Fn>(fn));
  }
  void close() {
    std::lock_guard lock(mutex_);
    io_ = nullptr;
  }

 private:
  std::mutex mutex_;
  asio::io_context* io_;  // GUARDED_BY(mutex_); null once closed
};

struct Shared {
  const ServerOptions& options;
  Handler& handler;
  InFlight in_flight;
  OpenStreams streams;
  std::shared_ptr<DeliveryGate> gate;  // set by the server before it accepts
  std::atomic<bool> stopping{false};
};

// One connection. Stream is beast::tcp_stream (HTTP) or TlsStream (HTTPS); everything after the
// TLS handshake is the same code.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr std::size_t kReadBufferBytes = 64 * 1024;
  // stream_args: the socket, and the ssl::context for TLS.
  template <class... StreamArgs>
  explicit Session(Shared& shared, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...), shared_(shared) {
    beast::error_code ec;
    const auto remote = socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string() + ":" + std::to_string(remote.port());
    // Beast sizes each socket read by the buffer's free capacity (at least 512 bytes). A small
    // buffer turns an 80 KB PutRecords body into ~160 recvmsg calls, each a syscall and an Asio
    // completion; with 64 KB reserved it is two or three.
    buffer_.reserve(kReadBufferBytes);
  }

  void start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      // A client that connects and never says hello must not hold the session forever.
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        beast::get_lowest_layer(self->stream_).expires_never();
        if (ec) return self->close();
        self->read_header();
      });
    } else {
      read_header();
    }
  }

 private:
  void read_header() {
    if (shared_.stopping) return close();
    parser_.emplace();
    parser_->body_limit(shared_.options.max_request_bytes);
    parser_->header_limit(64 * 1024);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return close_after_error(ec);
    const auto& request = parser_->get();
    if (beast::iequals(request[bhttp::field::expect], "100-continue")) {
      // Clients such as curl wait for this before sending a large body.
      auto interim = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, request.version());
      bhttp::async_write(stream_, *interim, [self = this->shared_from_this(), interim](beast::error_code write_ec, std::size_t) {
        if (write_ec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void close_after_error(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      // Say why before closing; the rest of the body is not read.
      shared_.in_flight.enter();
      write(Response(shared_.options.too_large), 11, /*keep_alive=*/false);
      return;
    }
    close();
  }

  void on_read(beast::error_code ec) {
    if (ec) return close_after_error(ec);
    auto& parsed = parser_->get();
    Request request;
    request.method = to_string(parsed.method_string());
    request.target = to_string(parsed.target());
    request.version = parsed.version();
    for (const auto& field : parsed) request.headers.add(to_string(field.name_string()), to_string(field.value()));
    request.body = std::move(parsed.body());
    request.remote_address = remote_;
    const bool keep_alive = parsed.keep_alive();

    Response response;
    shared_.in_flight.enter();
    try {
      response = shared_.handler.handle(request);
    } catch (const std::exception& e) {
      // Nothing in the handlers should throw; if something does, answer and carry on.
      spdlog::error("request handler threw: {}", e.what());
      response = shared_.options.internal_error;
    }
    switch (response.disposition) {
      case Disposition::kAnswer:
        if (response.body_source) return write_stream_header(std::move(response), request.version);
        // Still in flight until written, so a draining stop() does not cut the answer off.
        write(std::move(response), request.version, keep_alive && !shared_.stopping);
        return;
      case Disposition::kCloseWithoutAnswer:
        shared_.in_flight.leave();
        return close();
      case Disposition::kNeverAnswer:
        shared_.in_flight.leave();
        return hang();
    }
  }

  // REQUIRES: the caller entered in_flight; the completion leaves it.
  void write(Response result, unsigned version, bool keep_alive) {
    response_.emplace(static_cast<bhttp::status>(result.status), version);
    for (const auto& [name, value] : result.headers.fields()) response_->insert(name, value);
    response_->body() = std::move(result.body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    bhttp::async_write(stream_, *response_, [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      self->shared_.in_flight.leave();
      if (ec || !keep_alive || self->shared_.stopping) return self->close();
      self->response_.reset();
      self->read_header();
    });
  }

  // ---- streamed bodies (BodySource) ----
  // The header goes out with Transfer-Encoding: chunked and Connection: close; then each piece the
  // source delivers is one chunk. Meanwhile a read watches the socket, so a client that hangs up
  // cancels the source at once rather than at the next write. Closing after the body keeps the
  // connection simple: no request can be half-read by that watch when the next one starts.
  // REQUIRES: the caller entered in_flight; it is left once the header is written (a stream may
  // run for minutes; stop() cancels streams rather than waiting for them).
  void write_stream_header(Response result, unsigned version) {
    source_ = std::move(result.body_source);
    if (!shared_.streams.add(source_)) {
      shared_.in_flight.leave();
      source_->cancel();
      return close();
    }
    stream_header_.emplace(static_cast<bhttp::status>(result.status), version);
    for (const auto& [name, value] : result.headers.fields()) stream_header_->insert(name, value);
    stream_header_->keep_alive(false);
    stream_header_->chunked(true);
    stream_serializer_.emplace(*stream_header_);
    bhttp::async_write_header(stream_, *stream_serializer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->shared_.in_flight.leave();
      if (ec) return self->end_stream();
      self->watch_for_hangup();
      self->pull_piece();
    });
  }

  void pull_piece() {
    // Weak: a source waiting for data must not keep a closed connection alive (the hang-up watch
    // holds the session while the connection is open). The callback holds no executor either: it
    // may outlive the server, so it goes through the gate and finds the session's strand on an I/O
    // thread.
    std::weak_ptr<Session> weak = this->weak_from_this();
    source_->pull([weak, gate = shared_.gate](std::string piece, bool last) {
      gate->post([weak, piece = std::move(piece), last]() mutable {
        auto self = weak.lock();
        if (!self) return;
        auto executor = self->stream_.get_executor();
        asio::dispatch(executor, [self = std::move(self), piece = std::move(piece), last]() mutable {
          self->write_piece(std::move(piece), last);
        });
      });
    });
  }

  void write_piece(std::string piece, bool last) {
    if (stream_ended_) return;
    if (piece.empty()) {
      // An empty chunk would end the body on the wire.
      if (last) return write_last_chunk();
      return pull_piece();
    }
    piece_ = std::move(piece);
    asio::async_write(stream_, bhttp::make_chunk(asio::buffer(piece_)),
                      [self = this->shared_from_this(), last](beast::error_code ec, std::size_t) {
                        if (ec) return self->end_stream();
                        if (last) return self->write_last_chunk();
                        self->pull_piece();
                      });
  }

  void write_last_chunk() {
    asio::async_write(stream_, bhttp::make_chunk_last(),
                      [self = this->shared_from_this()](beast::error_code, std::size_t) { self->end_stream(); });
  }

  void watch_for_hangup() {
    stream_.async_read_some(asio::buffer(sink_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->end_stream();
      if (!self->stream_ended_) self->watch_for_hangup();
    });
  }

  // Idempotent: the body ended, the client left or a write failed.
  void end_stream() {
    if (stream_ended_) return;
    stream_ended_ = true;
    source_->cancel();
    shared_.streams.remove(source_.get());
    close();
  }

  // Swallows whatever the client sends until it closes; never writes. The pending read keeps the
  // session alive; stop() destroys it with the io_context.
  void hang() {
    socket().async_read_some(asio::buffer(sink_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->hang();
    });
  }

  void close() {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  Stream stream_;
  Shared& shared_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::array<char, 4096> sink_{};
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  // Streamed bodies only.
  std::shared_ptr<BodySource> source_;
  std::optional<bhttp::response<bhttp::empty_body>> stream_header_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> stream_serializer_;
  std::string piece_;  // the chunk being written
  bool stream_ended_ = false;
};

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  Shared shared;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> tls;  // set by start() when options.tls is
  std::vector<std::thread> threads;
  std::atomic<std::uint16_t> port{0};
  bool running = false;

  Impl(ServerOptions o, Handler& handler)
      : options(std::move(o)), shared{options, handler}, io(std::max(1, options.threads)) {
    shared.gate = std::make_shared<DeliveryGate>(io);
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        spdlog::warn("accept failed: {}", ec.message());
      } else {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (tls) {
          std::make_shared<Session<TlsStream>>(shared, std::move(socket), *tls)->start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(shared, std::move(socket))->start();
        }
      }
      if (acceptor.is_open()) accept();
    });
  }
};

HttpServer::HttpServer(ServerOptions options, Handler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::uint16_t> HttpServer::start() {
  if (impl_->running) return Error::internal("HttpServer::start called twice");
  if (impl_->options.tls) {
    auto& context = impl_->tls.emplace(asio::ssl::context::tls_server);
    context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    boost::system::error_code tls_ec;
    context.use_certificate_chain_file(impl_->options.tls->cert_file, tls_ec);
    if (tls_ec) return Error::config("cannot load TLS certificate '" + impl_->options.tls->cert_file + "': " + tls_ec.message());
    context.use_private_key_file(impl_->options.tls->key_file, asio::ssl::context::pem, tls_ec);
    if (tls_ec) return Error::config("cannot load TLS key '" + impl_->options.tls->key_file + "': " + tls_ec.message());
  }
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
  const int threads = std::max(1, impl_->options.threads);
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return impl_->port.load();
}

void HttpServer::stop() {
  if (!impl_ || !impl_->running) return;
  impl_->running = false;
  impl_->shared.stopping = true;
  impl_->shared.streams.close_all();
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  if (!impl_->shared.in_flight.wait_idle(impl_->options.drain_timeout)) {
    spdlog::warn("stopping with requests still running after {} ms", impl_->options.drain_timeout.count());
  }
  impl_->shared.gate->close();  // late deliveries from body sources are dropped from here on
  impl_->io.stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

std::uint16_t HttpServer::port() const { return impl_->port.load(); }

}  // namespace kwb::http
