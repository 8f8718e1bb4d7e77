#pragma once
// Stream set-up shared by the integration tests that drive a Kinesis endpoint through our client
// (the kwb emulator, kinesis-local). Header-only: only tests that already link kwb::kinesis include
// it, so the harness library itself stays free of the client.

#include <string>

#include "core/clock.h"
#include "kinesis/client.h"
#include "kinesis/waiters.h"

namespace kwb::testing {

// CreateStream with `shards` shards, then wait (polling with `wait`) until it is ACTIVE.
inline Status create_stream_and_wait(kinesis::Client& client, const std::string& name, int shards,
                                     const kinesis::WaitOptions& wait) {
  kinesis::CreateStreamRequest request;
  request.stream_name = StreamName(name);
  request.shard_count = shards;
  KWB_RETURN_IF_ERROR(client.create_stream(request));
  auto active = kinesis::wait_for_stream_active(client, StreamName(name), SystemClock::instance(), wait);
  if (!active) return active.error();
  return ok_status();
}

}  // namespace kwb::testing
