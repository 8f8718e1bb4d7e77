#pragma once
// The HTTP/1.1 front end: Boost.Beast on Asio, keep-alive, a small pool of threads.
//
// Each connection reads one request at a time (header first, so "Expect: 100-continue" is
// answered), hands it to the Router and writes the answer. Bodies are bounded (max_request_bytes):
// a larger one gets 413 and the connection is closed; malformed HTTP just closes the connection.
// Handlers run on the I/O threads; they never block (the engine's locks are short).
//
// Ownership: the server borrows the Router, which must outlive it. stop() (or the destructor) stops
// accepting, closes every connection and joins the threads.
// Thread safety: start() and stop() from one controlling thread; the router is called from all
// I/O threads.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "emulator/service_handler.h"

namespace kwb::emulator {

// Ordered list of services; the first that accepts a request handles it.
class Router {
 public:
  // Handlers are borrowed. Add before the server starts.
  void add(ServiceHandler& handler) { handlers_.push_back(&handler); }
  void add_front(ServiceHandler& handler) { handlers_.insert(handlers_.begin(), &handler); }
  ApiResponse route(const ApiRequest& request) const;

 private:
  std::vector<ServiceHandler*> handlers_;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4567;  // 0: any free port
  int threads = 2;
  std::uint64_t max_request_bytes = 10 * 1024 * 1024 + 256 * 1024;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, const Router& router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Returns the bound port.
  Result<std::uint16_t> start();
  void stop();
  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kwb::emulator
