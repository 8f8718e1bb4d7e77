#include "emulator/emulator.h"

namespace kwb::emulator {

Emulator::Emulator(EmulatorConfig config, Clock& clock, Random& random, CallObserver* observer)
    : config_(std::move(config)),
      signature_clock_(&clock),
      backend_(config_, clock, random),
      kinesis_(backend_, observer != nullptr ? *observer : noop_),
      admin_(backend_),
      sts_(config_.account_id) {}

Emulator::~Emulator() { stop(); }

void Emulator::add_service(ServiceHandler& handler) { services_.push_back(&handler); }

Result<std::uint16_t> Emulator::start() {
  KWB_RETURN_IF_ERROR(config_.validate());
  KWB_RETURN_IF_ERROR(backend_.open_storage());  // --data-dir: load streams before serving
  router_ = Router();
  // Added services first: they claim /_kwb/ paths of their own (clock, faults, metrics) before
  // the admin handler answers the rest.
  for (ServiceHandler* service : services_) router_.add(*service);
  router_.add(admin_);
  router_.add(kinesis_);
  router_.add(sts_);
  if (config_.verify_signatures) {
    verifier_ = std::make_unique<SignatureVerifier>(config_.access_keys, *signature_clock_);
    router_.set_verifier(verifier_.get());
  }
  http::ServerOptions options;
  options.host = config_.host;
  options.port = config_.port;
  options.threads = config_.threads;
  options.max_request_bytes = config_.max_request_bytes;
  if (config_.tls) options.tls = http::TlsOptions{config_.tls_cert_file, config_.tls_key_file};
  // Errors the server itself raises, in the shape AWS SDKs parse.
  options.too_large = http::Response::text(413, "application/x-amz-json-1.1",
                                           R"({"__type":"SerializationException","message":"Request body too large."})");
  options.internal_error = http::Response::text(500, "application/x-amz-json-1.1",
                                                R"({"__type":"InternalFailure","message":"Internal error."})");
  server_ = std::make_unique<http::HttpServer>(options, router_);
  return server_->start();
}

void Emulator::stop() {
  if (server_) server_->stop();
}

}  // namespace kwb::emulator
