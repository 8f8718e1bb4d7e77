// The Kinesis UpdateShardCount rule, shown to the user before they scale: one call may at most
// double the open shard count or halve it (rounded up). Bigger changes take several calls, and the
// server waits for ACTIVE between them. Mirrors the server's plan so the UI can preview it.

export function allowedRange(current: number): { min: number; max: number } {
  return { min: Math.max(1, Math.ceil(current / 2)), max: current * 2 };
}

/** The UpdateShardCount targets from `current` to `target`, each within ×½..×2 of the previous. */
export function scalingSteps(current: number, target: number): number[] {
  const steps: number[] = [];
  if (!(current >= 1) || !(target >= 1) || !Number.isInteger(current) || !Number.isInteger(target)) return steps;
  let at = current;
  while (at !== target && steps.length < 64) {
    at = target > at ? Math.min(target, at * 2) : Math.max(target, Math.ceil(at / 2));
    steps.push(at);
  }
  return steps;
}

export function describeScaling(current: number, target: number): string {
  if (current === target) return "No change.";
  const steps = scalingSteps(current, target);
  if (steps.length === 0) return "Enter a shard count of at least 1.";
  const { min, max } = allowedRange(current);
  const path = [current, ...steps].join(" → ");
  return steps.length === 1
    ? `One UpdateShardCount call (${path}); one call may go from ${min} to ${max}.`
    : `${steps.length} UpdateShardCount calls (${path}): one call may only double or halve, so kwb waits for ACTIVE between them.`;
}
