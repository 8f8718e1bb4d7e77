#include "emulator/emulator.h"

namespace kwb::emulator {

Emulator::Emulator(EmulatorConfig config, Clock& clock, Random& random, CallObserver* observer)
    : config_(std::move(config)),
      backend_(config_, clock, random),
      kinesis_(backend_, observer != nullptr ? *observer : noop_),
      admin_(backend_) {}

Emulator::~Emulator() { stop(); }

void Emulator::add_service(ServiceHandler& handler) { services_.push_back(&handler); }

Result<std::uint16_t> Emulator::start() {
  KWB_RETURN_IF_ERROR(config_.validate());
  router_ = Router();
  router_.add(admin_);
  for (ServiceHandler* service : services_) router_.add(*service);
  router_.add(kinesis_);
  ServerOptions options;
  options.host = config_.host;
  options.port = config_.port;
  options.threads = config_.threads;
  options.max_request_bytes = config_.max_request_bytes;
  server_ = std::make_unique<HttpServer>(options, router_);
  return server_->start();
}

void Emulator::stop() {
  if (server_) server_->stop();
}

}  // namespace kwb::emulator
