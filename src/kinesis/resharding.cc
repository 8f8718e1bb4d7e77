#include "kinesis/resharding.h"

#include <algorithm>

namespace kwb::kinesis {

std::vector<int> plan_shard_count_steps(int current, int target) {
  std::vector<int> steps;
  if (current < 1 || target < 1) return steps;
  while (current != target) {
    // Up: at most double. Down: at least half, rounded up (AWS rejects a target below 50%).
    current = target > current ? std::min(target, current * 2) : std::max(target, (current + 1) / 2);
    steps.push_back(current);
  }
  return steps;
}

Result<StreamSummary> scale_stream(Client& client, const StreamRef& stream, int target, Clock& clock,
                                   const WaitOptions& wait, const std::function<void(const ScaleProgress&)>& on_step) {
  if (target < 1) return Error::invalid_input("TargetShardCount", "the target shard count must be at least 1");
  auto summary = wait_for_stream_active(client, stream, clock, wait);
  if (!summary) return summary.error();
  if (summary->stream_mode == StreamMode::kOnDemand) {
    return Error::invalid_input("StreamMode", "stream '" + stream.name() +
                                                  "' is ON_DEMAND; Kinesis manages its shards and it cannot be scaled");
  }
  const std::vector<int> steps = plan_shard_count_steps(summary->open_shard_count, target);
  int from = summary->open_shard_count;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (on_step) on_step(ScaleProgress{static_cast<int>(i + 1), static_cast<int>(steps.size()), from, steps[i]});
    auto updated = client.update_shard_count({stream, steps[i]});
    if (!updated) return updated.error();
    summary = wait_for_stream_active(client, stream, clock, wait);
    if (!summary) return summary.error();
    from = steps[i];
  }
  return summary;
}

}  // namespace kwb::kinesis
