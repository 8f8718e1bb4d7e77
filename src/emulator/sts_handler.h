#pragma once
// The one STS operation clients ask an endpoint before anything else: GetCallerIdentity (Query
// protocol, form body, XML answer). With it `kwb whoami`, `aws sts get-caller-identity` and SDK
// health checks work against the emulator. The caller is the access key id of the request's SigV4
// credential, in the emulator's account (EmulatorConfig::account_id). Every other STS action gets
// InvalidAction, as STS answers an action it does not know.
//
// Thread safety: stateless after construction.

#include <string>

#include "emulator/service_handler.h"

namespace kwb::emulator {

class StsHandler final : public ServiceHandler {
 public:
  explicit StsHandler(std::string account_id) : account_id_(std::move(account_id)) {}
  // SigV4 scope "sts", or an unsigned form body whose Action is GetCallerIdentity.
  [[nodiscard]] bool accepts(const ApiRequest& request) const override;
  ApiResponse handle(const ApiRequest& request) override;

 private:
  std::string account_id_;
};

}  // namespace kwb::emulator
