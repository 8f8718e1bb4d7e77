import { describe, expect, it } from "vitest";
import { binaryUnit, durationUnit, layoutChart, niceTicks, peak, perSecond, timeTicks, toPoints } from "./chart";
import { buildStreamCharts } from "./metrics";

const box = { width: 500, height: 200, left: 50, right: 10, top: 10, bottom: 20 };
const t0 = Date.parse("2026-01-01T00:00:00Z");

describe("chart geometry", () => {
  it("parses, drops bad points and sorts by time", () => {
    const points = toPoints([
      ["2026-01-01T00:02:00Z", 3],
      ["garbage", 1],
      ["2026-01-01T00:01:00Z", 2],
      ["2026-01-01T00:03:00Z", Number.NaN],
    ]);
    expect(points.map((p) => p.v)).toEqual([2, 3]);
  });

  it("turns a Sum per period into a rate per second", () => {
    expect(perSecond([{ t: 0, v: 60000 }], 60)).toEqual([{ t: 0, v: 1000 }]);
  });

  it("nice ticks end on a round number at or above the maximum", () => {
    expect(niceTicks(950)).toEqual({ step: 250, top: 1000, values: [0, 250, 500, 750, 1000] });
    expect(niceTicks(1).top).toBe(1);
    expect(niceTicks(0)).toEqual({ step: 1, top: 1, values: [0, 1] });
    const t = niceTicks(3_700_000);
    expect(t.top).toBeGreaterThanOrEqual(3_700_000);
    expect(t.values.length).toBeLessThanOrEqual(6);
  });

  it("time ticks fall on round boundaries", () => {
    const ticks = timeTicks(t0 + 7 * 60e3, t0 + 3 * 3600e3);
    expect(ticks[0]).toBe(t0 + 30 * 60e3);
    for (const t of ticks) expect(t % (30 * 60e3)).toBe(0);
  });

  it("maps data into the plot box with a zero-based y axis and the limit line in range", () => {
    const series = [{ name: "rec", color: "red", points: [{ t: t0, v: 0 }, { t: t0 + 60e3, v: 500 }] }];
    const g = layoutChart(series, box, { start: t0, end: t0 + 60e3, limit: { label: "limit", value: 1000 } });
    expect(g.yMax).toBeGreaterThanOrEqual(1000); // the limit stays visible even when the data is far below it
    expect(g.paths[0].d.startsWith("M50,180")).toBe(true); // (start, 0) is the bottom-left corner
    expect(g.paths[0].lastX).toBe(490);
    expect(g.limit!.y).toBeGreaterThanOrEqual(box.top);
    expect(g.limit!.y).toBeLessThan(g.paths[0].lastY); // 1000 is drawn above 500
    expect(g.empty).toBe(false);
  });

  it("breaks the line over gaps in the data instead of bridging them", () => {
    const points = [0, 1, 2, 10, 11].map((m) => ({ t: t0 + m * 60e3, v: 1 }));
    const g = layoutChart([{ name: "s", color: "c", points }], box, { periodMs: 60e3 });
    expect(g.paths[0].d.match(/M/g)!.length).toBe(2);
  });

  it("byte axes tick at round binary values", () => {
    const MiB = 1024 * 1024;
    const g = layoutChart([{ name: "b", color: "c", points: [{ t: t0, v: 2.2 * MiB }] }], box, { start: t0, end: t0 + 60e3, axis: "bytes" });
    expect(g.yTicks.map((t) => t.value / MiB)).toEqual([0, 1, 2, 3]); // whole MiB, not 0.95 MiB steps of 1,000,000 bytes
    expect(binaryUnit(1000)).toBe(1);
    expect(binaryUnit(5000)).toBe(1024);
  });

  it("millisecond axes tick at round hours or minutes", () => {
    for (const hours of [3, 13, 24, 30, 70]) {
      const g = layoutChart([{ name: "age", color: "c", points: [{ t: t0, v: hours * 3600e3 }] }], box, { start: t0, end: t0 + 60e3, axis: "ms" });
      for (const tick of g.yTicks) expect(tick.value % 3600e3).toBe(0);
    }
    const g = layoutChart([{ name: "age", color: "c", points: [{ t: t0, v: 13 * 3600e3 }] }], box, { start: t0, end: t0 + 60e3, limit: { label: "retention", value: 24 * 3600e3 }, axis: "ms" });
    expect(g.yMax).toBeGreaterThanOrEqual(24 * 3600e3);
    expect(durationUnit(90_000)).toBe(1000); // 1.5 minutes ticks in seconds
    expect(durationUnit(500)).toBe(1);
  });

  it("reports an empty chart", () => {
    const g = layoutChart([{ name: "s", color: "c", points: [] }], box, { start: t0, end: t0 + 3600e3 });
    expect(g.empty).toBe(true);
    expect(g.paths[0].d).toBe("");
    expect(g.yTicks).toEqual([]); // no invented "0 .. 1" scale for missing data
  });

  it("finds the peak", () => {
    expect(peak([{ t: 1, v: 2 }, { t: 2, v: 9 }, { t: 3, v: 4 }])).toEqual({ t: 2, v: 9 });
    expect(peak([])).toBeNull();
  });

  it("builds the stream charts with the shard limit only for provisioned streams", () => {
    const metrics = {
      stream: "s", period: 60, start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z",
      series: [
        { metric: "IncomingRecords", statistic: "Sum", unit: "Count", points: [["2026-01-01T00:00:00Z", 120000]] as [string, number][] },
        { metric: "IncomingBytes", statistic: "Sum", unit: "Bytes", points: [["2026-01-01T00:00:00Z", 60 * 1024]] as [string, number][] },
      ],
    };
    const provisioned = buildStreamCharts(metrics, 2, true);
    expect(provisioned[0].limit).toEqual({ label: "limit now (2 shards)", value: 2000 });
    expect(provisioned[0].series[0].points[0].v).toBe(2000); // 120,000 per minute = 2,000/s: at the limit
    expect(provisioned[1].limit!.value).toBe(2 * 1024 * 1024);
    expect(provisioned[1].series[0].points[0].v).toBe(1024);
    expect(provisioned[3].series[0].points).toEqual([]); // no iterator-age series: an empty chart, not a crash
    expect(buildStreamCharts(metrics, 2, false)[0].limit).toBeNull();
  });

  it("draws the retention line on iterator age only once the lag nears it", () => {
    const age = (ms: number) => ({
      stream: "s", period: 60, start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z",
      series: [{ metric: "GetRecords.IteratorAgeMilliseconds", statistic: "Maximum", unit: "Milliseconds", points: [["2026-01-01T00:00:00Z", ms]] as [string, number][] }],
    });
    expect(buildStreamCharts(age(60_000), 1, true, 24)[3].limit).toBeNull(); // one minute behind: no line
    expect(buildStreamCharts(age(13 * 3600e3), 1, true, 24)[3].limit).toEqual({ label: "retention", value: 24 * 3600e3 });
    expect(buildStreamCharts(age(13 * 3600e3), 1, true, null)[3].limit).toBeNull();
  });
});
