#pragma once
// KinesisLocalPeer: a kinesis-local server (the Node build of etspaceman/kinesis-mock) on free
// 127.0.0.1 ports, for the duration of one test binary.
//
// It runs `node -r tests/peers/loopback.js tests/peers/node_modules/kinesis-local/main.js`; the
// preload forces every listener onto 127.0.0.1. Stream state changes (create, delete, reshard)
// are shortened to a fraction of a second so waiters finish quickly. The server is stopped in the
// destructor.
//
// Not thread-safe; one owner.

#include <chrono>
#include <memory>
#include <string>

#include "harness/process.h"

namespace kwb::testing {

class KinesisLocalPeer {
 public:
  KinesisLocalPeer() = default;
  ~KinesisLocalPeer();

  // Starts the server and waits (bounded) until it accepts connections. On failure returns false
  // and error() says why, with a hint to run scripts/bootstrap.sh when node_modules is missing.
  bool start(std::chrono::milliseconds startup_timeout = std::chrono::seconds(45));
  void stop();

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] int port() const { return plain_port_; }
  // "http://127.0.0.1:<port>"
  [[nodiscard]] std::string endpoint() const;
  // The server's own output so far, for failure messages.
  [[nodiscard]] std::string logs() const;

  // The repository's tests/peers directory.
  static std::string peers_dir();
  static std::string node_binary();

 private:
  std::unique_ptr<ChildProcess> process_;
  int plain_port_ = -1;
  int tls_port_ = -1;
  std::string error_;
};

}  // namespace kwb::testing
