#include "kinesis/waiters.h"

#include <algorithm>
#include <string>

namespace kwb::kinesis {

namespace {

using std::chrono::milliseconds;

bool worth_polling_again(const Error& error) {
  switch (error.kind) {
    case ErrorKind::kThrottling:
    case ErrorKind::kTransient:
    case ErrorKind::kNetwork:
    case ErrorKind::kTimeout:
      return true;
    default:
      return false;
  }
}

std::string seconds_text(milliseconds duration) {
  auto tenths = duration.count() / 100;
  std::string text = std::to_string(tenths / 10);
  if (tenths % 10 != 0) text += "." + std::to_string(tenths % 10);
  return text + "s";
}

// Shared loop: `check` returns true when done, false to poll again, or an error to stop.
template <typename Check>
Status poll_until(const StreamRef& stream, Clock& clock, const WaitOptions& options, const char* goal,
                  std::string& last_status, Check check) {
  const auto deadline = clock.steady_now() + options.timeout;
  milliseconds delay = options.initial_delay;
  while (true) {
    auto done = check();
    if (!done) return done.error();
    if (*done) return ok_status();
    const auto now = clock.steady_now();
    if (now >= deadline) {
      return Error::timeout("stream '" + stream.name() + "' did not become " + goal + " within " +
                            seconds_text(options.timeout) + " (last status: " + last_status + ")");
    }
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - now);
    clock.sleep_for(std::min(delay, remaining));
    auto next = std::chrono::duration_cast<milliseconds>(delay * options.multiplier);
    delay = std::min(std::max(next, delay), options.max_delay);
  }
}

}  // namespace

Result<StreamSummary> wait_for_stream_active(Client& client, const StreamRef& stream, Clock& clock,
                                             const WaitOptions& options) {
  std::string last_status = "none yet";
  StreamSummary summary;
  auto status = poll_until(stream, clock, options, "ACTIVE", last_status, [&]() -> Result<bool> {
    auto polled = client.describe_stream_summary(stream);
    if (!polled) {
      if (worth_polling_again(polled.error())) {
        last_status = "error: " + polled.error().describe();
        return false;
      }
      return polled.error();
    }
    last_status = polled->stream_status_text.empty() ? "UNKNOWN" : polled->stream_status_text;
    if (polled->stream_status == StreamStatus::kDeleting) {
      Error error;
      error.kind = ErrorKind::kConflict;
      error.message = "stream '" + stream.name() + "' is being deleted; it will not become ACTIVE";
      return error;
    }
    if (polled->stream_status != StreamStatus::kActive) return false;
    summary = std::move(*polled);
    return true;
  });
  if (!status) return status.error();
  return summary;
}

Status wait_for_stream_deleted(Client& client, const StreamRef& stream, Clock& clock, const WaitOptions& options) {
  std::string last_status = "none yet";
  return poll_until(stream, clock, options, "deleted", last_status, [&]() -> Result<bool> {
    auto polled = client.describe_stream_summary(stream);
    if (!polled) {
      if (polled.error().kind == ErrorKind::kNotFound) return true;
      if (worth_polling_again(polled.error())) {
        last_status = "error: " + polled.error().describe();
        return false;
      }
      return polled.error();
    }
    last_status = polled->stream_status_text.empty() ? "UNKNOWN" : polled->stream_status_text;
    return false;
  });
}

}  // namespace kwb::kinesis
