#pragma once
// One running emulator: configuration, Kinesis state, the admin endpoints and the HTTP server,
// wired together. This is what `kwb emulator` and `kwb serve --embedded` start.
//
// Other services (CloudWatch) attach with add_service() before start(); they are consulted before
// the admin endpoints and Kinesis, which also answers unclaimed JSON posts.
//
// Ownership: owns everything but the Clock, Random and observer, which must outlive it.
// Thread safety: start/stop/port from one controlling thread; backend() may be used from any.

#include <memory>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "emulator/admin_handler.h"
#include "emulator/backend.h"
#include "emulator/config.h"
#include "emulator/kinesis_handler.h"
#include "emulator/observer.h"
#include "emulator/service_handler.h"
#include "emulator/signature_verifier.h"
#include "emulator/sts_handler.h"
#include "http/server.h"

namespace kwb::emulator {

class Emulator {
 public:
  // observer may be null (no-op).
  Emulator(EmulatorConfig config, Clock& clock, Random& random, CallObserver* observer = nullptr);
  ~Emulator();

  void add_service(ServiceHandler& handler);
  // The clock --verify-signatures checks X-Amz-Date against (default: the emulator's clock). Pass
  // the wall clock when the emulator runs on a scaled or advanced clock. Call before start().
  void set_signature_clock(const Clock& clock) { signature_clock_ = &clock; }
  // Validates the configuration, binds and starts serving. Returns the bound port.
  Result<std::uint16_t> start();
  void stop();
  [[nodiscard]] std::uint16_t port() const { return server_ ? server_->port() : 0; }

  Backend& backend() { return backend_; }
  KinesisHandler& kinesis() { return kinesis_; }
  [[nodiscard]] const EmulatorConfig& config() const { return config_; }

 private:
  const EmulatorConfig config_;
  const Clock* signature_clock_;
  std::unique_ptr<SignatureVerifier> verifier_;
  NoopObserver noop_;
  Backend backend_;
  KinesisHandler kinesis_;
  AdminHandler admin_;
  StsHandler sts_;
  std::vector<ServiceHandler*> services_;
  Router router_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace kwb::emulator
