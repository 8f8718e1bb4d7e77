// Metric series -> SVG chart geometry. Pure: the LineChart component only draws what this returns,
// so scales, ticks, limit lines and gaps are unit-tested (chart.test.ts) without a DOM.

export interface Point {
  t: number; // milliseconds since the epoch
  v: number;
}

export interface ChartSeries {
  name: string;
  color: string;
  points: Point[];
}

export interface ChartLimit {
  label: string;
  value: number;
}

export interface ChartBox {
  width: number;
  height: number;
  left: number; // room for y labels
  right: number;
  top: number;
  bottom: number; // room for x labels
}

export interface Tick {
  value: number;
  pos: number; // pixel coordinate along the axis
}

export interface ChartGeometry {
  paths: { name: string; color: string; d: string; lastX: number; lastY: number }[];
  xTicks: Tick[];
  yTicks: Tick[];
  limit: { label: string; y: number; value: number } | null;
  yMax: number;
  plot: { x0: number; x1: number; y0: number; y1: number };
  empty: boolean;
}

/** [["2026-01-01T00:00:00Z", 12], ...] -> points, dropping unparsable entries, sorted by time. */
export function toPoints(raw: [string, number][] | null | undefined): Point[] {
  if (!raw) return [];
  const out: Point[] = [];
  for (const entry of raw) {
    if (!Array.isArray(entry) || entry.length < 2) continue;
    const t = Date.parse(entry[0]);
    const v = Number(entry[1]);
    if (Number.isFinite(t) && Number.isFinite(v)) out.push({ t, v });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** A Sum per period -> a rate per second (CloudWatch reports IncomingRecords as a Sum per period). */
export function perSecond(points: Point[], periodSeconds: number): Point[] {
  if (!(periodSeconds > 0)) return points;
  return points.map((p) => ({ t: p.t, v: p.v / periodSeconds }));
}

/**
 * "Nice" axis ticks (1, 2, 2.5, 5 × 10^n) covering [0, max]. Returns the rounded-up top too, so the
 * axis ends on a labelled tick.
 */
export function niceTicks(max: number, count = 4, multipliers = [1, 2, 2.5, 5, 10]): { step: number; top: number; values: number[] } {
  if (!(max > 0) || !Number.isFinite(max)) return { step: 1, top: 1, values: [0, 1] };
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = multipliers.map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const top = Math.ceil(max / step - 1e-9) * step;
  const values: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) values.push(Number(v.toPrecision(12)));
  return { step, top, values };
}

export type AxisKind = "plain" | "bytes" | "ms";

export function axisUnit(kind: AxisKind, max: number): number {
  if (kind === "bytes") return binaryUnit(max);
  if (kind === "ms") return durationUnit(max);
  return 1;
}

/** Hours, minutes, seconds or milliseconds: the unit a time axis up to `max` ms ticks in. */
export function durationUnit(max: number): number {
  for (const unit of [3_600_000, 60_000, 1000]) if (max >= 2 * unit) return unit;
  return 1;
}

/** The binary unit (1, KiB, MiB, GiB) an axis up to `max` bytes is labelled in. */
export function binaryUnit(max: number): number {
  for (const unit of [2 ** 30, 2 ** 20, 2 ** 10]) if (max >= unit) return unit;
  return 1;
}

/** Time ticks at round minute/hour boundaries, about `count` of them. */
export function timeTicks(start: number, end: number, count = 6): number[] {
  if (!(end > start)) return [];
  const span = end - start;
  const candidates = [60e3, 5 * 60e3, 10 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 2 * 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3];
  const step = candidates.find((c) => span / c <= count) ?? 86400e3 * Math.ceil(span / (86400e3 * count));
  const out: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) out.push(t);
  return out;
}

/**
 * Lays out line series in `box`. The y axis always starts at 0 (rates and counts: a zero-based axis
 * is the honest one) and is tall enough for the data and the limit line, so "how close to the shard
 * limit" reads directly. A gap of more than 2.5 periods between points breaks the line instead of
 * drawing a misleading straight segment over missing data.
 */
export function layoutChart(
  series: ChartSeries[],
  box: ChartBox,
  options: { start?: number; end?: number; limit?: ChartLimit | null; periodMs?: number; axis?: AxisKind } = {},
): ChartGeometry {
  const all = series.flatMap((s) => s.points);
  const start = options.start ?? (all.length ? Math.min(...all.map((p) => p.t)) : 0);
  const end = options.end ?? (all.length ? Math.max(...all.map((p) => p.t)) : 1);
  const dataMax = all.reduce((m, p) => Math.max(m, p.v), 0);
  const limit = options.limit && options.limit.value > 0 ? options.limit : null;
  const top = Math.max(dataMax, limit ? limit.value * 1.05 : 0);
  // Byte axes tick at round KiB/MiB values and millisecond axes at round seconds/minutes/hours,
  // not at round decimal numbers of bytes or milliseconds.
  const unit = axisUnit(options.axis ?? "plain", top);
  // No 2.5 steps on time axes: "2h 30m" ticks read worse than 2h or 5h ones.
  const scaled = niceTicks(top / unit, 4, options.axis === "ms" ? [1, 2, 5, 10] : undefined);
  const ticks = { top: scaled.top * unit, values: scaled.values.map((v) => v * unit) };
  const x0 = box.left;
  const x1 = box.width - box.right;
  const y0 = box.height - box.bottom; // bottom (value 0)
  const y1 = box.top; // top (value ticks.top)
  const span = Math.max(end - start, 1);
  const x = (t: number) => x0 + ((t - start) / span) * (x1 - x0);
  const y = (v: number) => y0 - (v / ticks.top) * (y0 - y1);
  const gap = options.periodMs ? options.periodMs * 2.5 : Infinity;
  const round = (n: number) => Math.round(n * 10) / 10;

  const paths = series.map((s) => {
    let d = "";
    let previous: Point | null = null;
    for (const p of s.points) {
      const move = previous === null || p.t - previous.t > gap;
      d += `${move ? "M" : "L"}${round(x(p.t))},${round(y(p.v))}`;
      previous = p;
    }
    const last = s.points[s.points.length - 1];
    return { name: s.name, color: s.color, d, lastX: last ? round(x(last.t)) : x1, lastY: last ? round(y(last.v)) : y0 };
  });

  return {
    paths,
    xTicks: timeTicks(start, end).map((t) => ({ value: t, pos: round(x(t)) })),
    yTicks: all.length === 0 && !limit ? [] : ticks.values.map((v) => ({ value: v, pos: round(y(v)) })),
    limit: limit ? { label: limit.label, value: limit.value, y: round(y(limit.value)) } : null,
    yMax: ticks.top,
    plot: { x0, x1, y0, y1 },
    empty: all.length === 0,
  };
}

/** Largest value and the time it happened: the headline number next to each chart. */
export function peak(points: Point[]): Point | null {
  let best: Point | null = null;
  for (const p of points) if (!best || p.v > best.v) best = p;
  return best;
}

export function sum(points: Point[]): number {
  return points.reduce((total, p) => total + p.v, 0);
}
