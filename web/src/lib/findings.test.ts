import { describe, expect, it } from "vitest";
import { countBySeverity, progressFraction, sortFindings, sortStreams, totalCounts, worstSeverity } from "./findings";
import { allowedRange, describeScaling, scalingSteps } from "./scaling";
import type { Finding, StreamReport } from "../types";

const finding = (id: string, severity: string, category = "throughput"): Finding => ({
  id, stream: "s", category, severity, title: id, evidence: [], explanation: "", recommendation: "",
});
const stream = (name: string, findings: Finding[]): StreamReport => ({
  stream: name, mode: "PROVISIONED", open_shard_count: 1, retention_hours: 24,
  window: { start: "", end: "", period: 60 }, findings,
});

describe("findings", () => {
  it("counts and finds the worst severity", () => {
    const fs = [finding("a", "info"), finding("b", "critical"), finding("c", "warning"), finding("d", "critical")];
    expect(countBySeverity(fs)).toEqual({ critical: 2, warning: 1, info: 1 });
    expect(worstSeverity(fs)).toBe("critical");
    expect(worstSeverity([finding("a", "info")])).toBe("info");
    expect(worstSeverity([])).toBeNull();
  });

  it("sorts findings worst first, then by category and id", () => {
    const fs = [finding("z", "info"), finding("b", "warning", "latency"), finding("a", "critical"), finding("a2", "warning", "cost")];
    expect(sortFindings(fs).map((f) => f.id)).toEqual(["a", "a2", "b", "z"]);
  });

  it("sorts streams by worst severity, then by how many, then by name", () => {
    const streams = [
      stream("quiet", []),
      stream("one-warning", [finding("w", "warning")]),
      stream("two-critical", [finding("c1", "critical"), finding("c2", "critical")]),
      stream("one-critical", [finding("c", "critical"), finding("i", "info"), finding("i2", "info")]),
      stream("also-quiet", []),
    ];
    expect(sortStreams(streams).map((s) => s.stream)).toEqual(["two-critical", "one-critical", "one-warning", "also-quiet", "quiet"]);
    expect(totalCounts(streams)).toEqual({ critical: 3, warning: 1, info: 2 });
  });

  it("progress moves through the phases and ends at 100%", () => {
    expect(progressFraction(null, "queued")).toBe(0);
    expect(progressFraction({ phase: "describe", done: 0, total: 4 }, "running")).toBe(0);
    expect(progressFraction({ phase: "metrics", done: 2, total: 4 }, "running")).toBeCloseTo(0.5);
    expect(progressFraction({ phase: "analyze", done: 4, total: 4 }, "running")).toBe(1);
    expect(progressFraction({ phase: "done", done: 4, total: 4 }, "running")).toBe(1);
    expect(progressFraction({ phase: "metrics", done: 0, total: 0 }, "running")).toBeCloseTo(1 / 3);
    expect(progressFraction({ phase: "metrics", done: 1, total: 4 }, "succeeded")).toBe(1);
  });
});

describe("scaling rule", () => {
  it("one call may double or halve (rounded up)", () => {
    expect(allowedRange(3)).toEqual({ min: 2, max: 6 });
    expect(allowedRange(1)).toEqual({ min: 1, max: 2 });
  });

  it("plans the same steps as the server", () => {
    expect(scalingSteps(1, 8)).toEqual([2, 4, 8]);
    expect(scalingSteps(3, 5)).toEqual([5]);
    expect(scalingSteps(10, 1)).toEqual([5, 3, 2, 1]);
    expect(scalingSteps(4, 4)).toEqual([]);
    expect(scalingSteps(0, 4)).toEqual([]);
  });

  it("explains multi-step changes", () => {
    expect(describeScaling(2, 4)).toContain("One UpdateShardCount call");
    expect(describeScaling(1, 8)).toContain("3 UpdateShardCount calls (1 → 2 → 4 → 8)");
  });
});
