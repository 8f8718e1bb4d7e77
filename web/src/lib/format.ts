// Number, size, time and money formatting for dense tables: short, unit-bearing, never "NaN".
// Pure functions (no clock reads: callers pass `now`), unit-tested in format.test.ts.

const DASH = "—";

function finite(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** 3 significant digits without trailing zeros: 1, 12.5, 0.25, 1230 -> "1,230". */
export function formatNumber(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  const abs = Math.abs(value);
  if (abs === 0) return "0";
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return String(Number(value.toFixed(digits)));
}

/** SI-compact count for chart axes: 950, 1.2k, 3.4M, 5.1G. */
export function formatCompact(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  const abs = Math.abs(value);
  const units: [number, string][] = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [scale, suffix] of units) {
    if (abs >= scale) return `${trimZeros((value / scale).toFixed(abs / scale >= 100 ? 0 : 1))}${suffix}`;
  }
  return formatNumber(value);
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** Binary byte sizes, because the Kinesis shard limits are binary: 1 MiB/s in, 2 MiB/s out. */
export function formatBytes(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  const abs = Math.abs(value);
  const units: [number, string][] = [[2 ** 40, "TiB"], [2 ** 30, "GiB"], [2 ** 20, "MiB"], [2 ** 10, "KiB"]];
  for (const [scale, suffix] of units) {
    if (abs >= scale) return `${trimZeros((value / scale).toFixed(abs / scale >= 100 ? 0 : 1))} ${suffix}`;
  }
  return `${Math.round(value)} B`;
}

/** Milliseconds as the largest two units a person reads at a glance: 850 ms, 12.3 s, 4m 10s, 2h 3m, 3d 4h. */
export function formatDurationMs(ms: number | null | undefined): string {
  if (!finite(ms)) return DASH;
  if (ms < 0) return `-${formatDurationMs(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${trimZeros(seconds.toFixed(1))} s`;
  const total = Math.round(seconds);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return s > 0 ? `${m}m ${s}s` : `${m}m`;
}

/** Seconds as a CloudWatch-style period: 60 -> "1m", 300 -> "5m", 3600 -> "1h", 45 -> "45s". */
export function formatPeriod(seconds: number | null | undefined): string {
  if (!finite(seconds)) return DASH;
  if (seconds % 86400 === 0 && seconds > 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export function formatUsd(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : 2;
  return `${sign}$${abs.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** "+$12.00" / "-$3.50": a cost difference, signed so savings read as negative. */
export function formatUsdDelta(value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  if (value === 0) return "±$0.00";
  return value > 0 ? `+${formatUsd(value)}` : formatUsd(value);
}

export function formatPercent(fraction: number | null | undefined, digits = 0): string {
  if (!finite(fraction)) return DASH;
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** "3 min ago", "in 2 h", "just now" relative to `now` (milliseconds since the epoch). */
export function formatRelative(iso: string | null | undefined, now: number): string {
  if (!iso) return DASH;
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return DASH;
  const delta = now - at;
  const abs = Math.abs(delta);
  if (abs < 10_000) return "just now";
  const text =
    abs < 60_000 ? `${Math.round(abs / 1000)} s`
    : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min`
    : abs < 86_400_000 ? `${Math.round(abs / 3_600_000)} h`
    : `${Math.round(abs / 86_400_000)} d`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/** "2026-11-30 01:59:14Z": UTC, sortable, second precision; SREs compare these with logs. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  return new Date(at).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** "HH:MM" in UTC for chart axes. */
export function formatClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** Parses "key=value" (the analysis tag selector). */
export function parseTagSelector(text: string): { key: string; value: string } | null {
  const eq = text.indexOf("=");
  if (eq <= 0) return null;
  const key = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  return key ? { key, value } : null;
}

/** Parses "a=1, b=2" (the tag editor) into a map; returns the offending entry on error. */
export function parseTagList(text: string): { tags: Record<string, string> } | { error: string } {
  const tags: Record<string, string> = {};
  for (const raw of text.split(/[,\n]/)) {
    const entry = raw.trim();
    if (!entry) continue;
    const parsed = parseTagSelector(entry);
    if (!parsed) return { error: `"${entry}" is not key=value` };
    tags[parsed.key] = parsed.value;
  }
  return { tags };
}

export function formatTags(tags: Record<string, string> | null | undefined): string {
  if (!tags) return "";
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/**
 * An evidence value in the unit its metric speaks: iterator ages as durations, utilisation as a
 * percentage, costs in dollars, counts as numbers. Derived statistics (slopes, r²) stay plain.
 */
export function formatEvidenceValue(metric: string, statistic: string, value: number | null | undefined): string {
  if (!finite(value)) return DASH;
  const plainStatistic = /slope|r_squared|ratio/i.test(statistic);
  if (!plainStatistic && /Milliseconds$/.test(metric)) return formatDurationMs(value);
  if (!plainStatistic && /Utilisation|Utilization/.test(metric)) return formatPercent(value, value < 0.1 ? 1 : 0);
  if (/Cost/.test(metric)) return formatUsd(value);
  if (!plainStatistic && /Bytes$/.test(metric)) return formatBytes(value);
  return formatNumber(value);
}
