import { useMemo, useState } from "react";
import { enc, get, post } from "../api";
import { link } from "../App";
import { LineChart } from "../components/LineChart";
import { ErrorBox, Empty, StatusPill, Updated } from "../components/ui";
import { usePoll } from "../hooks";
import { peak } from "../lib/chart";
import { formatBytes, formatClock, formatCompact, formatDurationMs, formatEvidenceValue, formatPeriod } from "../lib/format";
import { buildStreamCharts } from "../lib/metrics";
import { navigate } from "../router";
import { atLeast, useSession } from "../session";
import type { AlarmSpec, AlarmState, StreamDetail, StreamMetrics } from "../types";

const WINDOWS = ["1h", "3h", "12h", "24h"];

export function StreamDetailPage({ name }: { name: string }) {
  const { user } = useSession();
  const canWrite = atLeast(user, "operator");
  const [window, setWindow] = useState("3h");
  const stream = usePoll(() => get<StreamDetail>(`/api/streams/${enc(name)}`), 15000, [name]);
  const metrics = usePoll(() => get<StreamMetrics>(`/api/streams/${enc(name)}/metrics?window=${window}`), 60000, [name, window]);
  const alarms = usePoll(() => get<{ alarms: AlarmState[] }>(`/api/alarms?stream=${enc(name)}`), 30000, [name]);
  const s = stream.data;
  const provisioned = s?.mode !== "ON_DEMAND";
  const charts = useMemo(() => (metrics.data ? buildStreamCharts(metrics.data, s?.shard_count ?? null, provisioned, s?.retention_hours ?? null) : []), [metrics.data, s?.shard_count, provisioned, s?.retention_hours]);
  const openShards = (s?.shards ?? []).filter((sh) => sh.open);

  return (
    <div className="page">
      <div className="page-head">
        <a href="/streams" onClick={link("/streams")} className="muted">
          Streams /
        </a>
        <h1 className="mono">{name}</h1>
        {s && <StatusPill status={s.status} />}
        <Updated at={stream.updatedAt} error={s ? stream.error : null} />
        <div className="spacer" />
        {canWrite && s && <AnalyzeButton name={name} />}
      </div>
      {!s && <ErrorBox error={stream.error} context="Describing the stream failed" />}
      {s && (
        <div className="stat-strip">
          <Stat label="Mode" value={s.mode === "ON_DEMAND" ? "on-demand" : "provisioned"} />
          <Stat label="Open shards" value={String(s.shard_count ?? "—")} />
          <Stat label="Write capacity" value={provisioned && s.shard_count ? `${formatCompact(s.shard_count * 1000)} rec/s · ${s.shard_count} MiB/s` : "scales on demand"} />
          <Stat label="Retention" value={s.retention_hours ? `${s.retention_hours} h` : "—"} />
          <Stat label="Region" value={s.region ?? "—"} />
          <Stat label="Tags" value={Object.entries(s.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(", ") || "none"} />
        </div>
      )}

      <section>
        <div className="section-head">
          <h2>Metrics</h2>
          <div className="seg">
            {WINDOWS.map((w) => (
              <button key={w} className={w === window ? "on" : ""} onClick={() => setWindow(w)}>
                {w}
              </button>
            ))}
          </div>
          {metrics.data && (
            <span className="muted small">
              {formatPeriod(metrics.data.period)} periods · UTC
            </span>
          )}
        </div>
        {!metrics.data && <ErrorBox error={metrics.error} context="Loading metrics failed" />}
        {metrics.data && (
          <div className="chart-grid" data-testid="stream-charts">
            {charts.map((c) => {
              const format = c.kind === "bytes" ? (v: number) => formatBytes(v) : c.kind === "ms" ? formatDurationMs : formatCompact;
              const top = peak(c.series.flatMap((x) => x.points));
              const utilisation = c.limit && top ? ` · ${Math.round((top.v / c.limit.value) * 100)}% of ${c.limit.label === "retention" ? "retention" : "today's limit"}` : "";
              return (
                <LineChart
                  key={c.id}
                  testId={`chart-${c.id}`}
                  title={c.title}
                  series={c.series}
                  limit={c.limit}
                  start={Date.parse(metrics.data!.start)}
                  end={Date.parse(metrics.data!.end)}
                  periodMs={metrics.data!.period * 1000}
                  format={format}
                  axis={c.kind === "count" ? "plain" : c.kind}
                  headline={top ? `peak ${format(top.v)} at ${formatClock(top.t)}${utilisation}` : "no data"}
                />
              );
            })}
          </div>
        )}
      </section>

      <AlarmsSection name={name} alarms={alarms.data?.alarms ?? null} error={alarms.error} reload={alarms.reload} canWrite={canWrite} />

      {s && (
        <section>
          <h2>Shards ({openShards.length} open{(s.shards?.length ?? 0) > openShards.length ? `, ${(s.shards?.length ?? 0) - openShards.length} closed` : ""})</h2>
          <table className="grid-table compact">
            <thead>
              <tr>
                <th>Shard</th>
                <th>State</th>
                <th className="num">Share of hash space</th>
                <th>Starting hash key</th>
              </tr>
            </thead>
            <tbody>
              {(s.shards ?? []).map((sh) => (
                <tr key={sh.shard_id} className={sh.open ? "" : "dim"}>
                  <td className="mono">{sh.shard_id}</td>
                  <td>{sh.open ? "open" : "closed"}</td>
                  <td className="num">{hashShare(sh.starting_hash_key, sh.ending_hash_key)}</td>
                  <td className="mono small">{sh.starting_hash_key}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}

/** The fraction of the 128-bit hash key space a shard owns: uneven shares mean hot shards. */
function hashShare(start: string, end: string): string {
  try {
    const span = BigInt(end) - BigInt(start) + 1n;
    const whole = 2n ** 128n;
    return `${(Number((span * 10000n) / whole) / 100).toFixed(2)}%`;
  } catch {
    return "—";
  }
}

function AnalyzeButton({ name }: { name: string }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    try {
      const answer = await post<{ id: string }>("/api/analyses", { streams: [name] });
      navigate(`/analysis/${enc(answer.id)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <>
      {error ? <ErrorBox error={error} /> : null}
      <button className="primary" onClick={start} disabled={busy}>
        Analyse this stream
      </button>
    </>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
    </div>
  );
}

function AlarmsSection({ name, alarms, error, reload, canWrite }: { name: string; alarms: AlarmState[] | null; error: unknown; reload: () => void; canWrite: boolean }) {
  const [preview, setPreview] = useState<AlarmSpec[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [applied, setApplied] = useState<number | null>(null);

  const run = async (dryRun: boolean) => {
    setBusy(true);
    setActionError(null);
    try {
      const answer = await post<{ alarms: AlarmSpec[]; applied: boolean }>(`/api/streams/${enc(name)}/alarms`, { dry_run: dryRun });
      if (dryRun) setPreview(answer.alarms);
      else {
        setPreview(null);
        setApplied(answer.alarms.length);
        reload();
      }
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <div className="section-head">
        <h2>Alarms</h2>
        {canWrite && (
          <button onClick={() => run(true)} disabled={busy}>
            Create recommended alarms…
          </button>
        )}
        {applied !== null && <span className="ok-text">{applied} alarms created or updated.</span>}
      </div>
      <ErrorBox error={actionError} />
      {preview && (
        <div className="preview">
          <p>
            Dry run: these CloudWatch alarms would be created (idempotent names; applying again updates them).
          </p>
          <table className="grid-table compact">
            <thead>
              <tr>
                <th>Alarm</th>
                <th>Metric</th>
                <th>Condition</th>
                <th>Evaluation</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {preview.map((a) => (
                <tr key={a.alarm_name}>
                  <td className="mono small">{a.alarm_name}</td>
                  <td>
                    {a.metric_name} <span className="muted">({a.statistic})</span>
                  </td>
                  <td className="mono">
                    {operatorSymbol(a.comparison_operator)} {formatEvidenceValue(a.metric_name, a.statistic, a.threshold)}
                  </td>
                  <td>
                    {a.datapoints_to_alarm ?? a.evaluation_periods} of {a.evaluation_periods} × {formatPeriod(a.period)}
                    {a.treat_missing_data ? <span className="muted small"> · missing: {a.treat_missing_data}</span> : null}
                  </td>
                  <td className="small">{a.reason ?? a.description ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="form-actions">
            <button onClick={() => setPreview(null)}>Cancel</button>
            <button className="primary" onClick={() => run(false)} disabled={busy}>
              Apply {preview.length} alarms
            </button>
          </div>
        </div>
      )}
      {!alarms && <ErrorBox error={error} context="Listing alarms failed" />}
      {alarms && alarms.length === 0 && <Empty>No kwb alarms on this stream yet.</Empty>}
      {alarms && alarms.length > 0 && (
        <table className="grid-table compact" data-testid="alarms-table">
          <thead>
            <tr>
              <th>State</th>
              <th>Alarm</th>
              <th>Metric</th>
              <th className="num">Threshold</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {alarms.map((a) => (
              <tr key={a.alarm_name}>
                <td>
                  <StatusPill status={a.state} />
                </td>
                <td className="mono small">{a.alarm_name}</td>
                <td>{a.metric_name}</td>
                <td className="num">{formatEvidenceValue(a.metric_name, "", a.threshold)}</td>
                <td className="small muted">{a.state_reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function operatorSymbol(op: string): string {
  const map: Record<string, string> = {
    GreaterThanThreshold: ">",
    GreaterThanOrEqualToThreshold: "≥",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "≤",
  };
  return map[op] ?? op;
}
