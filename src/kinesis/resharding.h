#pragma once
// Changing a stream's shard count within UpdateShardCount's rules.
//
// UNIFORM_SCALING accepts a target between half and double the current open shard count, so a
// larger change is a series of steps (2 -> 4 -> 8 -> 10), each waiting for the stream to be ACTIVE
// again before the next. The plan is a pure function so callers (CLI, server) can show it first.
//
// Stateless; thread-safe as far as the Client and Clock are.

#include <functional>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "kinesis/client.h"
#include "kinesis/waiters.h"

namespace kwb::kinesis {

// The intermediate and final targets, excluding `current`; empty when current == target.
// REQUIRES: current >= 1 and target >= 1.
std::vector<int> plan_shard_count_steps(int current, int target);

struct ScaleProgress {
  int step = 0;  // 1-based
  int steps = 0;
  int from = 0;
  int to = 0;
};

// Reads the open shard count, then for each planned step calls UpdateShardCount and waits for
// ACTIVE. on_step (optional) is called before each step. Returns the final summary.
Result<StreamSummary> scale_stream(Client& client, const StreamRef& stream, int target, Clock& clock,
                                   const WaitOptions& wait, const std::function<void(const ScaleProgress&)>& on_step = {});

}  // namespace kwb::kinesis
