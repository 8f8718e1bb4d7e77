#pragma once
// One running `kwb serve`: configuration, store, auth, the AWS target (real AWS or the embedded
// emulator), the streams API and the HTTP server, wired together in start-up order.
//
// Start-up refuses, with one clear error, anything that would make the server unsafe or useless:
// an unreadable store, a bad JWT key file, --production with the default admin password, an AWS
// target that cannot be configured. While the bootstrap admin keeps "admin123", every start logs
// a loud warning.
//
// Ownership: owns everything it builds; borrows the Environment, Clock and Random (must outlive it).
// Thread safety: create/start/stop from one controlling thread; requests run on the server threads.

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/environment.h"
#include "core/random.h"
#include "core/result.h"
#include "server/config.h"

namespace kwb::server {

struct AwsTarget {
  bool embedded = false;
  std::string kinesis_endpoint;  // the URL the client talks to
  std::string cloudwatch_endpoint;  // embedded: the same port (the emulator serves both)
  std::string region;
  std::string credentials_source;  // "embedded", "environment", "profile:x", ...
};

class ServerApp {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ServerApp>> create(ServerConfig config, const Environment& env,
                                                                 Clock& clock, Random& random);
  ~ServerApp();
  ServerApp(const ServerApp&) = delete;
  ServerApp& operator=(const ServerApp&) = delete;

  // Binds and serves. Returns the bound port.
  [[nodiscard]] Result<std::uint16_t> start();
  // Stops accepting, drains in-flight requests, then stops the embedded emulator.
  void stop();

  [[nodiscard]] const AwsTarget& target() const;
  [[nodiscard]] const ServerConfig& config() const;
  // True while the admin still has the default password.
  [[nodiscard]] bool default_admin_password() const;

 private:
  struct Impl;
  explicit ServerApp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The OpenAPI 3.1 document (docs/openapi.json), compiled in.
std::string_view openapi_document();

}  // namespace kwb::server
