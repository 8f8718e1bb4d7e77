#pragma once
// Admin endpoints under /_kwb/: GET health, GET state (streams, shards, records, bytes), POST reset.
//
// Ownership: borrows the Backend. Thread safety: handle() may run on any thread.

#include "emulator/backend.h"
#include "emulator/service_handler.h"

namespace kwb::emulator {

class AdminHandler final : public ServiceHandler {
 public:
  explicit AdminHandler(Backend& backend) : backend_(backend) {}
  [[nodiscard]] bool accepts(const ApiRequest& request) const override;
  ApiResponse handle(const ApiRequest& request) override;

 private:
  Backend& backend_;
};

}  // namespace kwb::emulator
