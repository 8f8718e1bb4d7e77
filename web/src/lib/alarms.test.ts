import { describe, expect, it } from "vitest";
import { describeAlarmCondition, describeReplay } from "./alarms";
import type { AlarmSpec } from "../types";

const alarm = (backtest?: AlarmSpec["backtest"]): AlarmSpec => ({
  alarm_name: "kwb-clicks-WriteProvisionedThroughputExceeded",
  metric_name: "WriteProvisionedThroughputExceeded",
  statistic: "Sum",
  threshold: 0,
  comparison_operator: "GreaterThanThreshold",
  evaluation_periods: 30,
  datapoints_to_alarm: 3,
  period: 60,
  backtest,
});

describe("alarms", () => {
  it("words the condition with its M of N", () => {
    expect(describeAlarmCondition(alarm())).toBe("Sum > 0 · 3 of 30 × 1m");
  });

  it("says when a replayed alarm would have fired", () => {
    const replay = describeReplay(alarm({ evaluated: true, would_fire: true, first_alarm_at: "2026-11-30T02:25:00.000Z", minutes_in_alarm: 151.0, times_fired: 2, approximate: false }));
    expect(replay.tone).toBe("fired");
    expect(replay.text).toBe("would have fired at 2026-11-30 02:25:00Z, 151 min in ALARM, 2 times");
  });

  it("says a quiet alarm saw breaches too few to alarm, and marks approximations", () => {
    const replay = describeReplay(alarm({ evaluated: true, would_fire: false, datapoints: 36, breaching_datapoints: 2, approximate: true, resolution_seconds: 300 }));
    expect(replay.tone).toBe("quiet");
    expect(replay.text).toBe("quiet over the window, 2 breaching datapoints too few to alarm (approximate, 5m periods)");
  });

  it("says so when the window had no datapoints at all", () => {
    expect(describeReplay(alarm({ evaluated: true, would_fire: false, datapoints: 0 })).text).toBe(
      "quiet: no datapoints in the window (missing data is not breaching)",
    );
  });

  it("is honest about alarms it could not replay", () => {
    expect(describeReplay(alarm()).tone).toBe("unknown");
    expect(describeReplay(alarm({ evaluated: false, reason: "comparison operator X is not replayed" })).text).toBe(
      "not replayed: comparison operator X is not replayed",
    );
  });
});
