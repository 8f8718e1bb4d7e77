// Turns GET /api/streams/{name}/metrics into the four charts of the stream page. The write limits
// of a provisioned shard are fixed by Kinesis: 1,000 records/s and 1 MiB/s in. The limit line is
// today's shard count (the API has no shard-count history), and says so in its label.
import { perSecond, toPoints, type ChartLimit, type ChartSeries } from "./chart";
import type { StreamMetrics } from "../types";

export const SHARD_RECORDS_PER_SECOND = 1000;
export const SHARD_BYTES_PER_SECOND = 1024 * 1024;

export interface ChartSpec {
  id: string;
  title: string;
  series: ChartSeries[];
  limit: ChartLimit | null;
  kind: "count" | "bytes" | "ms";
}

function find(metrics: StreamMetrics, name: string) {
  return metrics.series.find((s) => s.metric === name);
}

/**
 * The four charts of a stream. Records and bytes are drawn against the provisioned shards' write
 * limit. Iterator age is drawn against the retention period once it reaches a quarter of it: a
 * consumer further behind than retention loses records, but a 24 h line would flatten a lag of
 * minutes into the axis, so the line only appears when it matters.
 */
export function buildStreamCharts(metrics: StreamMetrics, openShards: number | null, provisioned: boolean, retentionHours: number | null = null): ChartSpec[] {
  const period = metrics.period > 0 ? metrics.period : 60;
  const rate = (name: string) => perSecond(toPoints(find(metrics, name)?.points), period);
  const raw = (name: string) => toPoints(find(metrics, name)?.points);
  const limitFor = (perShard: number): ChartLimit | null =>
    provisioned && openShards && openShards > 0 ? { label: `limit now (${openShards} shard${openShards === 1 ? "" : "s"})`, value: perShard * openShards } : null;
  return [
    {
      id: "records",
      title: "Incoming records/s",
      series: [{ name: "IncomingRecords/s", color: "var(--c1)", points: rate("IncomingRecords") }],
      limit: limitFor(SHARD_RECORDS_PER_SECOND),
      kind: "count",
    },
    {
      id: "bytes",
      title: "Incoming bytes/s",
      series: [{ name: "IncomingBytes/s", color: "var(--c2)", points: rate("IncomingBytes") }],
      limit: limitFor(SHARD_BYTES_PER_SECOND),
      kind: "bytes",
    },
    {
      id: "throttles",
      title: `Throttled and failed records per ${period}s`,
      series: [
        { name: "WriteThroughputExceeded", color: "var(--crit)", points: raw("WriteProvisionedThroughputExceeded") },
        { name: "PutRecords.FailedRecords", color: "var(--warn)", points: raw("PutRecords.FailedRecords") },
        { name: "ReadThroughputExceeded", color: "var(--c3)", points: raw("ReadProvisionedThroughputExceeded") },
      ],
      limit: null,
      kind: "count",
    },
    {
      id: "iterator-age",
      title: "Iterator age (max): how far consumers lag",
      series: [{ name: "GetRecords.IteratorAgeMilliseconds", color: "var(--c4)", points: raw("GetRecords.IteratorAgeMilliseconds") }],
      limit: retentionLimit(raw("GetRecords.IteratorAgeMilliseconds"), retentionHours),
      kind: "ms",
    },
  ];
}

function retentionLimit(points: { v: number }[], retentionHours: number | null): ChartLimit | null {
  if (!retentionHours || retentionHours <= 0) return null;
  const retentionMs = retentionHours * 3600 * 1000;
  const worst = points.reduce((m, p) => Math.max(m, p.v), 0);
  return worst >= retentionMs / 4 ? { label: "retention", value: retentionMs } : null;
}
