#pragma once
// The one error type of Kinesis Workbench.
//
// Every fallible function returns kwb::Result<T> (see result.h), whose error side is an Error.
// An Error says *what kind* of failure happened (ErrorKind, which decides retries and exit codes),
// carries the wire-level code when there is one (e.g. "ResourceNotFoundException"), the HTTP
// status it came with, a human message, and, for validation failures, the offending field.
//
// Which AWS codes and HTTP statuses map to which kind, and which kinds are retryable, is decided
// in exactly one place: aws/error_table.h. Nothing else should guess.

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace kwb {

enum class ErrorKind : std::uint8_t {
  kThrottling,       // ProvisionedThroughputExceeded, ThrottlingException, HTTP 429
  kTransient,        // InternalFailure, ServiceUnavailable, HTTP 5xx: the service had a bad moment
  kNetwork,          // connection refused/reset, DNS, TLS handshake: nothing reached the service
  kTimeout,          // connect or request timeout
  kInvalidInput,     // validation: the request is wrong and will stay wrong
  kAuth,             // bad or missing credentials, signature mismatch, access denied
  kNotFound,         // ResourceNotFoundException
  kConflict,         // ResourceInUseException: the resource is not in a state for this call
  kLimitExceeded,    // LimitExceededException: an account or control-plane limit
  kExpiredIterator,  // ExpiredIteratorException: renew the iterator, do not retry as is
  kConfig,           // our own configuration (files, flags, environment) is wrong
  kIo,               // local files, sockets we own
  kParse,            // a response or file we could not understand
  kInternal,         // a bug of ours: an invariant did not hold
  kCancelled,        // the caller gave up (deadline, shutdown)
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string code;     // wire code, e.g. "ResourceNotFoundException"; empty for local errors
  std::string message;  // one line, for a person
  int http_status = 0;  // 0 when no HTTP exchange happened
  std::string field;    // the offending input field for kInvalidInput, else empty

  // Named factories, so call sites read as what went wrong.
  static Error invalid_input(std::string field, std::string message);
  static Error config(std::string message);
  static Error io(std::string message);
  static Error parse(std::string message);
  static Error internal(std::string message);
  static Error not_found(std::string message);
  static Error network(std::string message);
  static Error timeout(std::string message);
  static Error cancelled(std::string message);

  // "message (Code)" — the single line the CLI prints.
  [[nodiscard]] std::string describe() const;
};

std::ostream& operator<<(std::ostream& out, const Error& error);

}  // namespace kwb
