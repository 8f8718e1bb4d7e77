#include "harness/kinesis_local_peer.h"

#include <filesystem>

#include "harness/net.h"

#ifndef KWB_SOURCE_DIR
#error "KWB_SOURCE_DIR must be defined (the repository root)"
#endif
#ifndef KWB_NODE_BINARY
#define KWB_NODE_BINARY "/usr/bin/node"
#endif

namespace kwb::testing {

KinesisLocalPeer::~KinesisLocalPeer() { stop(); }

std::string KinesisLocalPeer::peers_dir() { return std::string(KWB_SOURCE_DIR) + "/tests/peers"; }
std::string KinesisLocalPeer::node_binary() { return KWB_NODE_BINARY; }

bool KinesisLocalPeer::start(std::chrono::milliseconds startup_timeout) {
  const std::string peers = peers_dir();
  const std::string main_js = peers + "/node_modules/kinesis-local/main.js";
  if (!std::filesystem::exists(main_js)) {
    error_ = main_js + " is missing: run scripts/bootstrap.sh (it runs `npm ci` in tests/peers)";
    return false;
  }
  if (!std::filesystem::exists(node_binary())) {
    error_ = "node is not installed at " + node_binary() + ": run scripts/bootstrap.sh";
    return false;
  }
  plain_port_ = pick_free_port();
  tls_port_ = pick_free_port();
  while (tls_port_ == plain_port_) tls_port_ = pick_free_port();
  if (plain_port_ <= 0 || tls_port_ <= 0) {
    error_ = "could not find a free port on 127.0.0.1";
    return false;
  }
  EnvMap env = {
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"HOME", "/tmp"},
      {"KINESIS_MOCK_PLAIN_PORT", std::to_string(plain_port_)},
      {"KINESIS_MOCK_TLS_PORT", std::to_string(tls_port_)},
      {"KINESIS_MOCK_CERT_PATH", peers + "/node_modules/kinesis-local/server.json"},
      {"CREATE_STREAM_DURATION", "200ms"},
      {"DELETE_STREAM_DURATION", "200ms"},
      {"UPDATE_SHARD_COUNT_DURATION", "200ms"},
      {"SPLIT_SHARD_DURATION", "200ms"},
      {"MERGE_SHARDS_DURATION", "200ms"},
      {"UPDATE_STREAM_MODE_DURATION", "200ms"},
      {"SHOULD_PERSIST_DATA", "false"},
      {"LOG_LEVEL", "WARN"},
      {"AWS_REGION", "us-east-1"},
  };
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{node_binary(), "-r", peers + "/loopback.js", main_js}, env);
  if (!process_->started()) {
    error_ = process_->start_error();
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + startup_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) {
      error_ = "kinesis-local exited during start-up:\n" + logs();
      return false;
    }
    if (wait_for_port(plain_port_, std::chrono::milliseconds(200))) return true;
  }
  error_ = "kinesis-local did not accept connections on 127.0.0.1:" + std::to_string(plain_port_) + " within " +
           std::to_string(startup_timeout.count()) + " ms:\n" + logs();
  return false;
}

void KinesisLocalPeer::stop() {
  if (process_) process_->stop();
}

std::string KinesisLocalPeer::endpoint() const { return "http://127.0.0.1:" + std::to_string(plain_port_); }

std::string KinesisLocalPeer::logs() const {
  if (!process_) return "";
  std::string out = process_->stdout_text() + process_->stderr_text();
  return out.size() > 4000 ? out.substr(out.size() - 4000) : out;
}

}  // namespace kwb::testing
