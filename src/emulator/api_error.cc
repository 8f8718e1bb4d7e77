#include "emulator/api_error.h"

namespace kwb::emulator {

Error api_error(ErrorKind kind, std::string code, std::string message, int http_status) {
  Error error;
  error.kind = kind;
  error.code = std::move(code);
  error.message = std::move(message);
  error.http_status = http_status;
  return error;
}

Error resource_not_found(std::string message) {
  return api_error(ErrorKind::kNotFound, "ResourceNotFoundException", std::move(message));
}
Error resource_in_use(std::string message) {
  return api_error(ErrorKind::kConflict, "ResourceInUseException", std::move(message));
}
Error invalid_argument(std::string message) {
  return api_error(ErrorKind::kInvalidInput, "InvalidArgumentException", std::move(message));
}
Error limit_exceeded(std::string message) {
  return api_error(ErrorKind::kLimitExceeded, "LimitExceededException", std::move(message));
}
Error throughput_exceeded(std::string message) {
  return api_error(ErrorKind::kThrottling, "ProvisionedThroughputExceededException", std::move(message));
}
Error expired_iterator(std::string message) {
  return api_error(ErrorKind::kExpiredIterator, "ExpiredIteratorException", std::move(message));
}
Error expired_next_token(std::string message) {
  return api_error(ErrorKind::kInvalidInput, "ExpiredNextTokenException", std::move(message));
}
Error serialization_error(std::string message) {
  return api_error(ErrorKind::kInvalidInput, "SerializationException", std::move(message));
}
Error validation_error(std::string message) {
  return api_error(ErrorKind::kInvalidInput, "ValidationException", std::move(message));
}
Error unknown_operation() {
  return api_error(ErrorKind::kInvalidInput, "UnknownOperationException", "");
}
Error internal_failure(std::string message) {
  return api_error(ErrorKind::kInternal, "InternalFailure", std::move(message), 500);
}

void Violations::add(std::string_view field, const std::string* value_text, std::string_view constraint) {
  if (count_ >= 10) return;
  if (count_ > 0) text_.append("; ");
  text_.append("Value ");
  if (value_text == nullptr) {
    text_.append("null");
  } else {
    text_.push_back('\'');
    text_.append(*value_text);
    text_.push_back('\'');
  }
  text_.append(" at '");
  text_.append(field);
  text_.append("' failed to satisfy constraint: ");
  text_.append(constraint);
  ++count_;
}

void Violations::add_value(std::string_view field, std::string_view value, std::string_view constraint) {
  const std::string text(value);
  add(field, &text, constraint);
}

Error Violations::to_error() const {
  std::string message = std::to_string(count_) + (count_ == 1 ? " validation error detected: " : " validation errors detected: ");
  message += text_;
  return validation_error(std::move(message));
}

}  // namespace kwb::emulator
