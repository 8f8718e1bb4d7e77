// How the analysis page words a recommended alarm and its replay over the analysis window.
import type { AlarmSpec } from "../types";
import { formatPeriod, formatTimestamp } from "./format";

const OPERATORS: Record<string, string> = {
  GreaterThanThreshold: ">",
  GreaterThanOrEqualToThreshold: "≥",
  LessThanThreshold: "<",
  LessThanOrEqualToThreshold: "≤",
};

/** "Maximum > 60000 · 5 of 5 × 1m": what the alarm watches, in one line. */
export function describeAlarmCondition(alarm: AlarmSpec): string {
  const operator = OPERATORS[alarm.comparison_operator] ?? alarm.comparison_operator;
  const m = alarm.datapoints_to_alarm ?? alarm.evaluation_periods;
  return `${alarm.statistic} ${operator} ${alarm.threshold} · ${m} of ${alarm.evaluation_periods} × ${formatPeriod(alarm.period)}`;
}

export type ReplayTone = "fired" | "quiet" | "unknown";

/** The replay's verdict: a tone for the badge and a sentence for the person reading it. */
export function describeReplay(alarm: AlarmSpec): { tone: ReplayTone; text: string } {
  const b = alarm.backtest;
  if (!b) return { tone: "unknown", text: "not replayed" };
  if (!b.evaluated) return { tone: "unknown", text: `not replayed: ${b.reason ?? "unsupported"}` };
  const approximate = b.approximate ? ` (approximate, ${formatPeriod(b.resolution_seconds ?? 0)} periods)` : "";
  if (!b.would_fire && (b.datapoints ?? 0) === 0) {
    return { tone: "quiet", text: "quiet: no datapoints in the window (missing data is not breaching)" };
  }
  if (!b.would_fire) {
    const breaches = b.breaching_datapoints ? `, ${b.breaching_datapoints} breaching datapoint${b.breaching_datapoints === 1 ? "" : "s"} too few to alarm` : "";
    return { tone: "quiet", text: `quiet over the window${breaches}${approximate}` };
  }
  const minutes = Math.round(b.minutes_in_alarm ?? 0);
  const times = b.times_fired ?? 1;
  return {
    tone: "fired",
    text: `would have fired at ${formatTimestamp(b.first_alarm_at)}, ${minutes} min in ALARM${times > 1 ? `, ${times} times` : ""}${approximate}`,
  };
}
