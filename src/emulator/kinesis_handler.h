#pragma once
// The Kinesis JSON 1.1 front end (CBOR goes through cbor_codec.h to the same code): decodes a
// request, validates it as AWS does, runs it on the engine of the request's region and encodes the
// answer or the AWS-shaped error.
//
// Validation follows AWS's layers in order: body and type errors first (SerializationException),
// then field constraints, all reported at once (ValidationException: "N validation errors
// detected: ..."), then the operation's own rules (InvalidArgumentException,
// ResourceNotFoundException, ...).
//
// Every call reports one CallEvent to the observer, and the observer may inject a fault first.
//
// Ownership: borrows the Backend and observer, which must outlive it.
// Thread safety: handle() may run on many threads at once (per-thread parsers, no shared state).

#include "emulator/backend.h"
#include "emulator/observer.h"
#include "emulator/service_handler.h"

namespace kwb::emulator {

inline constexpr std::string_view kKinesisTargetPrefix = "Kinesis_20131202.";

class KinesisHandler final : public ServiceHandler {
 public:
  KinesisHandler(Backend& backend, CallObserver& observer) : backend_(backend), observer_(observer) {}

  // Kinesis takes X-Amz-Target Kinesis_20131202.*, anything signed for "kinesis", and unsigned
  // JSON posts with no recognisable target (to answer them with UnknownOperationException); never
  // form-encoded (Query protocol) bodies.
  [[nodiscard]] bool accepts(const ApiRequest& request) const override;
  ApiResponse handle(const ApiRequest& request) override;

  // The same, without HTTP: operation name, region and body. Used by unit tests.
  ApiResponse call(std::string_view operation, std::string_view region, std::string_view body);
  // The same with a CBOR body (application/x-amz-cbor-1.1), answered in CBOR.
  ApiResponse call_cbor(std::string_view operation, std::string_view region, std::string_view body);

 private:
  Backend& backend_;
  CallObserver& observer_;
};

}  // namespace kwb::emulator
