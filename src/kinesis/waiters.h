#pragma once
// Waiters: poll DescribeStreamSummary until a stream is ACTIVE, or until it is gone.
//
// Control-plane calls (CreateStream, UpdateShardCount, DeleteStream) return at once while the
// stream moves through CREATING / UPDATING / DELETING. A waiter polls with exponential backoff
// (initial_delay, times multiplier, capped at max_delay) until the wanted state or the deadline.
// Time comes from the injected Clock, so tests drive the waiter with a ManualClock and never sleep.
//
// Transient trouble while polling (throttling, 5xx, network) does not end the wait: the AwsClient
// has already retried, and the next poll may succeed. Errors that will not change by waiting
// (access denied, bad input) end it at once.
//
// Stateless functions; thread-safe as far as the Client and Clock are.

#include <chrono>

#include "core/clock.h"
#include "core/result.h"
#include "kinesis/client.h"

namespace kwb::kinesis {

struct WaitOptions {
  std::chrono::milliseconds initial_delay{250};
  std::chrono::milliseconds max_delay{5000};
  double multiplier = 1.5;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
};

// Returns the ACTIVE stream's summary. kTimeout naming the stream and the last status seen when
// the deadline passes; kNotFound when the stream does not exist (or vanishes); kConflict when the
// stream is DELETING, since it can never become ACTIVE again.
Result<StreamSummary> wait_for_stream_active(Client& client, const StreamRef& stream, Clock& clock,
                                             const WaitOptions& options = {});

// Succeeds once DescribeStreamSummary answers ResourceNotFoundException. kTimeout naming the stream
// and the last status seen when the deadline passes.
Status wait_for_stream_deleted(Client& client, const StreamRef& stream, Clock& clock,
                               const WaitOptions& options = {});

}  // namespace kwb::kinesis
