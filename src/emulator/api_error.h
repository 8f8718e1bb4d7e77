#pragma once
// AWS-shaped errors for the emulator, built on the project's one error type (kwb::Error).
//
// Error::code carries the AWS "__type" (e.g. "ResourceNotFoundException") and http_status the status
// AWS answers with (400 for every Kinesis client error, 500 for InternalFailure). The handler
// writes them as {"__type": code, "message": message}. Factories are named after the AWS type so
// call sites read as the AWS documentation does.
//
// Thread safety: plain values.

#include <string>
#include <string_view>

#include "core/error.h"

namespace kwb::emulator {

Error api_error(ErrorKind kind, std::string code, std::string message, int http_status = 400);

Error resource_not_found(std::string message);
Error resource_in_use(std::string message);
Error invalid_argument(std::string message);
Error limit_exceeded(std::string message);
Error throughput_exceeded(std::string message);
Error expired_iterator(std::string message);
Error expired_next_token(std::string message);
Error serialization_error(std::string message);
Error validation_error(std::string message);
Error unknown_operation();
Error internal_failure(std::string message);

// Collects constraint violations the way AWS's validation layer reports them:
//   "2 validation errors detected: Value 'x' at 'streamName' failed to satisfy constraint: ...; ..."
// Stops after 10, as AWS does.
class Violations {
 public:
  // value_text: the offending value as AWS prints it, or empty optional for null.
  void add(std::string_view field, const std::string* value_text, std::string_view constraint);
  void add_value(std::string_view field, std::string_view value, std::string_view constraint);
  void add_null(std::string_view field) { add(field, nullptr, "Member must not be null"); }

  [[nodiscard]] bool empty() const { return count_ == 0; }
  // An Error (ValidationException) when anything was added.
  [[nodiscard]] Error to_error() const;

 private:
  std::string text_;
  int count_ = 0;
};

}  // namespace kwb::emulator
