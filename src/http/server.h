#pragma once
// A small HTTP/1.1 server: Boost.Beast on Asio, keep-alive, a fixed pool of I/O threads.
//
// Each connection reads one request at a time (header first, so "Expect: 100-continue" is
// answered), hands it to the Handler and writes the answer. Bodies are bounded
// (max_request_bytes): a larger one gets options.too_large and the connection is closed; malformed
// HTTP just closes the connection. A handler that throws gets options.internal_error.
// Handlers run on the I/O threads, so a handler that blocks (an AWS call) holds one thread; size
// `threads` for the expected concurrency.
//
// Streaming: a Response with a body_source is sent with chunked transfer encoding, piece by piece
// as the source delivers them (see BodySource), without holding an I/O thread in between; the
// connection closes after the body.
//
// Fault injection: a Response whose disposition is kCloseWithoutAnswer closes the connection
// without a byte; kNeverAnswer keeps it open and silent until the client gives up.
//
// Shutdown: stop() cancels streamed bodies, stops accepting, lets requests already inside a handler finish (up to
// drain_timeout), closes idle keep-alive connections and joins the threads.
//
// Ownership: the server borrows the Handler, which must outlive it.
// Thread safety: start() and stop() from one controlling thread; the handler is called from all
// I/O threads.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "http/message.h"

namespace kwb::http {

// HTTPS: PEM files for the certificate chain and its private key, loaded at start().
struct TlsOptions {
  std::string cert_file;
  std::string key_file;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  int threads = 2;
  std::uint64_t max_request_bytes = 10 * 1024 * 1024;
  std::chrono::milliseconds drain_timeout{5000};
  // Set: every connection is TLS (1.2 or 1.3); plain HTTP on the same port is refused.
  std::optional<TlsOptions> tls;
  // Sent for an oversized body (status 413) and when the handler throws (status 500).
  Response too_large = Response::json(413, R"({"message":"Request body too large."})");
  Response internal_error = Response::json(500, R"({"message":"Internal error."})");
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler& handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Returns the bound port. Call at most once.
  Result<std::uint16_t> start();
  // Idempotent; see the class comment.
  void stop();
  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kwb::http
