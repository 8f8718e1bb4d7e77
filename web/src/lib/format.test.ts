import { describe, expect, it } from "vitest";
import {
  formatBytes, formatCompact, formatDurationMs, formatNumber, formatPeriod, formatRelative, formatTimestamp,
  formatUsd, formatUsdDelta, parseTagList, parseTagSelector, formatEvidenceValue,
} from "./format";

describe("format", () => {
  it("numbers keep three significant digits and never print NaN", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(0.25)).toBe("0.25");
    expect(formatNumber(12.345)).toBe("12.3");
    expect(formatNumber(999.6)).toBe("1000");
    expect(formatNumber(1234.4)).toBe("1,234");
    expect(formatNumber(NaN)).toBe("—");
    expect(formatNumber(null)).toBe("—");
  });

  it("compact counts for axes", () => {
    expect(formatCompact(950)).toBe("950");
    expect(formatCompact(1000)).toBe("1k");
    expect(formatCompact(1250)).toBe("1.3k");
    expect(formatCompact(3_400_000)).toBe("3.4M");
    expect(formatCompact(250_000)).toBe("250k");
  });

  it("bytes are binary, matching the 1 MiB/s shard limit", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1024)).toBe("1 KiB");
    expect(formatBytes(1024 * 1024)).toBe("1 MiB");
    expect(formatBytes(1.5 * 1024 * 1024)).toBe("1.5 MiB");
    expect(formatBytes(undefined)).toBe("—");
  });

  it("durations use the two largest units", () => {
    expect(formatDurationMs(850)).toBe("850 ms");
    expect(formatDurationMs(12_340)).toBe("12.3 s");
    expect(formatDurationMs(250_000)).toBe("4m 10s");
    expect(formatDurationMs(7_380_000)).toBe("2h 3m");
    expect(formatDurationMs(3 * 86_400_000 + 4 * 3_600_000)).toBe("3d 4h");
    expect(formatDurationMs(3_600_000)).toBe("1h");
  });

  it("periods read like CloudWatch", () => {
    expect(formatPeriod(60)).toBe("1m");
    expect(formatPeriod(300)).toBe("5m");
    expect(formatPeriod(3600)).toBe("1h");
    expect(formatPeriod(45)).toBe("45s");
    expect(formatPeriod(86400)).toBe("1d");
  });

  it("money and signed deltas", () => {
    expect(formatUsd(10.8)).toBe("$10.80");
    expect(formatUsd(1234.5)).toBe("$1,235");
    expect(formatUsdDelta(5)).toBe("+$5.00");
    expect(formatUsdDelta(-3.5)).toBe("-$3.50");
    expect(formatUsdDelta(0)).toBe("±$0.00");
  });

  it("relative times against an injected now", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(formatRelative("2026-01-01T11:59:55Z", now)).toBe("just now");
    expect(formatRelative("2026-01-01T11:57:00Z", now)).toBe("3 min ago");
    expect(formatRelative("2026-01-01T10:00:00Z", now)).toBe("2 h ago");
    expect(formatRelative("2026-01-01T14:00:00Z", now)).toBe("in 2 h");
    expect(formatRelative("not a date", now)).toBe("—");
  });

  it("timestamps are UTC to the second", () => {
    expect(formatTimestamp("2026-01-01T12:34:56.789Z")).toBe("2026-01-01 12:34:56Z");
  });

  it("tag selectors and lists", () => {
    expect(parseTagSelector("team=payments")).toEqual({ key: "team", value: "payments" });
    expect(parseTagSelector("env=")).toEqual({ key: "env", value: "" });
    expect(parseTagSelector("=x")).toBeNull();
    expect(parseTagSelector("novalue")).toBeNull();
    expect(parseTagList("a=1, b=2\nc=3")).toEqual({ tags: { a: "1", b: "2", c: "3" } });
    expect(parseTagList("a=1, oops")).toEqual({ error: '"oops" is not key=value' });
  });
});

describe("evidence values", () => {
  it("speak the metric's unit", () => {
    expect(formatEvidenceValue("GetRecords.IteratorAgeMilliseconds", "Maximum", 46_800_000)).toBe("13h");
    expect(formatEvidenceValue("GetRecords.IteratorAgeMilliseconds", "slope_seconds_per_hour", 15337)).toBe("15,337");
    expect(formatEvidenceValue("WriteUtilisation.Bytes", "p95", 1.19)).toBe("119%");
    expect(formatEvidenceValue("WriteUtilisation.Bytes", "Maximum", 0.005)).toBe("0.5%");
    expect(formatEvidenceValue("MonthlyCost.Provisioned", "before", 45.6)).toBe("$45.60");
    expect(formatEvidenceValue("IncomingBytes", "Sum", 2 * 1024 * 1024)).toBe("2 MiB");
    expect(formatEvidenceValue("PutRecords.ThrottledRecords", "Sum", 438602)).toBe("438,602");
    expect(formatEvidenceValue("X", "Sum", null)).toBe("—");
  });
});
