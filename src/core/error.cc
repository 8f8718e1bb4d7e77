#include "core/error.h"

namespace kwb {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kThrottling: return "throttling";
    case ErrorKind::kTransient: return "transient";
    case ErrorKind::kNetwork: return "network";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kInvalidInput: return "invalid_input";
    case ErrorKind::kAuth: return "auth";
    case ErrorKind::kNotFound: return "not_found";
    case ErrorKind::kConflict: return "conflict";
    case ErrorKind::kLimitExceeded: return "limit_exceeded";
    case ErrorKind::kExpiredIterator: return "expired_iterator";
    case ErrorKind::kConfig: return "config";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kParse: return "parse";
    case ErrorKind::kInternal: return "internal";
    case ErrorKind::kCancelled: return "cancelled";
  }
  return "unknown";
}

namespace {
Error make(ErrorKind kind, std::string message) {
  Error error;
  error.kind = kind;
  error.message = std::move(message);
  return error;
}
}  // namespace

Error Error::invalid_input(std::string field, std::string message) {
  Error error = make(ErrorKind::kInvalidInput, std::move(message));
  error.field = std::move(field);
  return error;
}
Error Error::config(std::string message) { return make(ErrorKind::kConfig, std::move(message)); }
Error Error::io(std::string message) { return make(ErrorKind::kIo, std::move(message)); }
Error Error::parse(std::string message) { return make(ErrorKind::kParse, std::move(message)); }
Error Error::internal(std::string message) { return make(ErrorKind::kInternal, std::move(message)); }
Error Error::not_found(std::string message) { return make(ErrorKind::kNotFound, std::move(message)); }
Error Error::network(std::string message) { return make(ErrorKind::kNetwork, std::move(message)); }
Error Error::timeout(std::string message) { return make(ErrorKind::kTimeout, std::move(message)); }
Error Error::cancelled(std::string message) { return make(ErrorKind::kCancelled, std::move(message)); }

std::string Error::describe() const {
  std::string line = message.empty() ? std::string(to_string(kind)) : message;
  if (!code.empty()) line += " (" + code + ")";
  return line;
}

std::ostream& operator<<(std::ostream& out, const Error& error) { return out << error.describe(); }

}  // namespace kwb
