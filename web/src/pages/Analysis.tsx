import { useEffect, useMemo, useRef, useState } from "react";
import { enc, get, post } from "../api";
import { link } from "../App";
import { ErrorBox, Empty, ProgressBar, SeverityBadge, StatusPill } from "../components/ui";
import { useNow, usePoll } from "../hooks";
import { CATEGORY_LABELS, progressFraction, SEVERITIES, sortFindings, sortStreams, totalCounts, countBySeverity, worstSeverity } from "../lib/findings";
import { formatEvidenceValue, formatNumber, formatPercent, formatPeriod, formatRelative, formatTimestamp, formatUsd, formatUsdDelta, parseTagSelector } from "../lib/format";
import { navigate } from "../router";
import { atLeast, useSession } from "../session";
import { describeAlarmCondition, describeReplay } from "../lib/alarms";
import type { AlarmSpec, Analysis, AnalysisRow, Finding, Report, StreamReport, StreamRow } from "../types";

const PHASES: Record<string, string> = { describe: "describing streams", metrics: "reading CloudWatch metrics", analyze: "analysing", done: "done" };
const WINDOWS = ["15m", "1h", "3h", "6h", "12h", "24h", "3d", "7d", "14d"];

export function AnalysisPage({ id }: { id: string | null }) {
  const history = usePoll(() => get<{ analyses: AnalysisRow[] }>("/api/analyses?limit=50"), 5000, []);
  // Without an id the page shows the newest analysis: the question on landing is "how are we now?".
  const shown = id ?? history.data?.analyses[0]?.id ?? null;
  return (
    <div className="page analysis-page">
      <div className="analysis-main">
        <NewAnalysis onStarted={(newId) => { history.reload(); navigate(`/analysis/${enc(newId)}`); }} />
        {shown ? (
          <AnalysisView key={shown} id={shown} onFinished={history.reload} />
        ) : (
          <Intro />
        )}
      </div>
      <aside className="history">
        <h2>History</h2>
        {!history.data && <ErrorBox error={history.error} context="Listing analyses failed" />}
        {history.data && history.data.analyses.length === 0 && <Empty>No analyses yet.</Empty>}
        <ul data-testid="analysis-history">
          {(history.data?.analyses ?? []).map((a) => (
            <HistoryItem key={a.id} row={a} active={a.id === shown} />
          ))}
        </ul>
      </aside>
    </div>
  );
}

function Intro() {
  return (
    <div className="intro">
      <p>
        A bulk analysis reads each stream's configuration and its CloudWatch metrics over the window, then reports what threatens <b>latency</b> (consumer lag, iterator
        age), <b>completeness</b> (throttled and failed writes, retention shorter than the lag) and <b>peak throughput</b> (load against the shard limits), with the sizing and
        alarms that fix it.
      </p>
    </div>
  );
}

function HistoryItem({ row, active }: { row: AnalysisRow; active: boolean }) {
  const now = useNow();
  const counts = row.finding_counts;
  return (
    <li className={active ? "active" : ""}>
      <a href={`/analysis/${enc(row.id)}`} onClick={link(`/analysis/${enc(row.id)}`)}>
        <div className="history-top">
          <StatusPill status={row.status} />
          <span className="muted small" title={formatTimestamp(row.created_at)}>
            {formatRelative(row.created_at, now)}
          </span>
        </div>
        <div className="small">
          {row.stream_count} stream{row.stream_count === 1 ? "" : "s"} · {row.window} · {row.analyzer ?? row.analyzer_requested} · {row.created_by}
        </div>
        {counts && (
          <div className="history-counts">
            {SEVERITIES.map((s) => (counts[s] ? <SeverityBadge key={s} severity={s} count={counts[s]} /> : null))}
            {!SEVERITIES.some((s) => counts[s]) && <span className="muted small">no findings</span>}
          </div>
        )}
        {row.error && <div className="small bad-text">{row.error}</div>}
      </a>
    </li>
  );
}

function NewAnalysis({ onStarted }: { onStarted: (id: string) => void }) {
  const { user } = useSession();
  const canRun = atLeast(user, "operator");
  const [scope, setScope] = useState<"all" | "streams" | "tag">("all");
  const [picked, setPicked] = useState<string[]>([]);
  const [tag, setTag] = useState("");
  const [window, setWindow] = useState("3h");
  const [analyzer, setAnalyzer] = useState("auto");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const streams = usePoll(() => get<{ streams: StreamRow[] }>("/api/streams"), 0, []);
  const live = (streams.data?.streams ?? []).filter((s) => s.live).map((s) => s.name).sort();
  const tagOptions = useMemo(() => {
    const set = new Set<string>();
    for (const s of streams.data?.streams ?? []) for (const [k, v] of Object.entries(s.tags ?? {})) set.add(`${k}=${v}`);
    return [...set].sort();
  }, [streams.data]);

  const start = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = { window, analyzer };
    if (scope === "all") body.all = true;
    else if (scope === "streams") {
      if (picked.length === 0) return setError(new Error("Pick at least one stream."));
      body.streams = picked;
    } else {
      if (!parseTagSelector(tag)) return setError(new Error('The tag must look like "key=value".'));
      body.tag = tag.trim();
    }
    setBusy(true);
    try {
      const answer = await post<{ id: string }>("/api/analyses", body);
      onStarted(answer.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="new-analysis" onSubmit={start}>
      <h1>Bulk analysis</h1>
      <div className="new-analysis-row">
        <fieldset className="seg" aria-label="scope">
          {(["all", "streams", "tag"] as const).map((s) => (
            <button type="button" key={s} className={scope === s ? "on" : ""} onClick={() => setScope(s)}>
              {s === "all" ? `All streams${live.length ? ` (${live.length})` : ""}` : s === "streams" ? "Some streams" : "By tag"}
            </button>
          ))}
        </fieldset>
        <label className="inline">
          Window
          <select name="window" value={window} onChange={(e) => setWindow(e.target.value)}>
            {WINDOWS.map((w) => (
              <option key={w}>{w}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          Analyzer
          <select name="analyzer" value={analyzer} onChange={(e) => setAnalyzer(e.target.value)}>
            <option value="auto">auto (LLM if configured, else rules)</option>
            <option value="rules">rules</option>
            <option value="llm">llm</option>
          </select>
        </label>
        <button className="primary" type="submit" disabled={busy || !canRun} title={canRun ? "" : "operators and admins can start analyses"} data-testid="start-analysis">
          {busy ? "Starting…" : "Start analysis"}
        </button>
      </div>
      {scope === "streams" && (
        <div className="pick">
          {live.length === 0 && <span className="muted">No live streams.</span>}
          {live.map((name) => (
            <label key={name} className={`chip ${picked.includes(name) ? "on" : ""}`}>
              <input type="checkbox" checked={picked.includes(name)} onChange={(e) => setPicked(e.target.checked ? [...picked, name] : picked.filter((p) => p !== name))} />
              {name}
            </label>
          ))}
        </div>
      )}
      {scope === "tag" && (
        <div className="pick">
          <input list="kwb-tags" value={tag} onChange={(e) => setTag(e.target.value)} placeholder="team=payments" className="mono" />
          <datalist id="kwb-tags">
            {tagOptions.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </div>
      )}
      {!canRun && <p className="muted small">You are a viewer: you can read every analysis; operators start them.</p>}
      <ErrorBox error={error} />
    </form>
  );
}

function isDone(a: Analysis): boolean {
  return a.status === "succeeded" || a.status === "failed";
}

function AnalysisView({ id, onFinished }: { id: string; onFinished: () => void }) {
  const [finished, setFinished] = useState(false);
  // Poll every second until the analysis ends; after that the stored row never changes, so the
  // loader answers from memory instead of refetching a report that can be large.
  const last = useRef<Analysis | null>(null);
  const analysis = usePoll(
    async () => {
      if (last.current && isDone(last.current)) return last.current;
      last.current = await get<Analysis>(`/api/analyses/${enc(id)}`);
      return last.current;
    },
    1000,
    [id],
  );
  const a = analysis.data;
  const done = a !== null && isDone(a);
  useEffect(() => {
    if (done && !finished) {
      setFinished(true);
      onFinished();
    }
  }, [done, finished, onFinished]);

  if (!a) return <ErrorBox error={analysis.error} context="Loading the analysis failed" />;
  const phase = a.progress ? `${PHASES[a.progress.phase] ?? a.progress.phase} ${a.progress.done}/${a.progress.total}` : a.status;
  return (
    <div className="analysis-view" data-testid="analysis-view" data-status={a.status}>
      <div className="analysis-meta small muted">
        <StatusPill status={a.status} /> analysis <span className="mono">{a.id}</span> · started {formatTimestamp(a.created_at)} by {a.created_by} · window {a.window} · {a.stream_count}{" "}
        stream{a.stream_count === 1 ? "" : "s"} · analyzer {a.analyzer ?? a.analyzer_requested}
      </div>
      {!done && <ProgressBar fraction={progressFraction(a.progress, a.status)} label={phase} />}
      {a.status === "failed" && (
        <div className="error-box" role="alert">
          <strong>The analysis failed:</strong> {a.error ?? "no reason given"}
        </div>
      )}
      {a.status === "succeeded" && a.report && <Results analysis={a} report={a.report} />}
    </div>
  );
}

function Results({ analysis, report }: { analysis: Analysis; report: Report }) {
  const streams = useMemo(() => sortStreams(report.streams), [report]);
  const counts = totalCounts(report.streams);
  const withFindings = streams.filter((s) => s.findings.length > 0).length;
  return (
    <div data-testid="analysis-results">
      <ProgressBar fraction={1} label={`done · ${formatTimestamp(report.generated_at)}`} />
      <div className="summary-strip" data-testid="summary-strip">
        {SEVERITIES.map((s) => (
          <div key={s} className={`summary-count sev-block-${s} ${counts[s] ? "" : "zero"}`}>
            <span className="big">{counts[s]}</span>
            <span>{s}</span>
          </div>
        ))}
        <div className="summary-meta">
          <div>
            <b>{report.streams.length}</b> stream{report.streams.length === 1 ? "" : "s"} analysed, <b>{withFindings}</b> with findings · window <b>{analysis.window}</b>
          </div>
          <div>
            analyzer <b data-testid="analyzer-used">{report.analyzer}</b>
            {report.requested_analyzer && report.requested_analyzer !== report.analyzer && <span className="muted"> (requested {report.requested_analyzer})</span>}
            {report.prices && <span className="muted"> · prices: {report.prices}</span>}
          </div>
          {report.fallback_reason && (
            <div className="warn-text" data-testid="fallback-reason">
              fell back to rules: {report.fallback_reason}
            </div>
          )}
        </div>
        <SeverityMap streams={streams} />
      </div>
      {report.insights && <InsightsBlock insights={report.insights} />}
      {streams.length === 0 && <Empty>No streams matched the selection.</Empty>}
      {streams.length > 0 && counts.critical + counts.warning + counts.info === 0 && (
        <div className="all-clear" data-testid="no-findings">
          No findings: every stream stayed within its limits over the window, with no throttling, failed records or consumer lag.
        </div>
      )}
      {streams.map((s) => (
        <StreamCard key={s.stream} analysisId={analysis.id} report={s} />
      ))}
    </div>
  );
}

/** One square per stream, coloured by its worst severity: the whole fleet at a glance. */
function SeverityMap({ streams }: { streams: StreamReport[] }) {
  const size = 14;
  const perRow = 16;
  const rows = Math.max(1, Math.ceil(streams.length / perRow));
  return (
    <svg className="severity-map" width={perRow * (size + 3)} height={rows * (size + 3)} aria-label="streams by worst severity">
      {streams.map((s, i) => {
        const worst = worstSeverity(s.findings);
        return (
          <rect key={s.stream} x={(i % perRow) * (size + 3)} y={Math.floor(i / perRow) * (size + 3)} width={size} height={size} rx={3} className={`cell-${worst ?? "none"}`}>
            <title>
              {s.stream}: {worst ?? "no findings"}
            </title>
          </rect>
        );
      })}
    </svg>
  );
}

function InsightsBlock({ insights }: { insights: NonNullable<Report["insights"]> }) {
  return (
    <section className="insights" data-testid="insights">
      <h2>
        Insights <span className="muted small" data-testid="insights-model">{insights.model ? `${insights.model}${insights.cached ? " (cached)" : ""}` : ""}</span>
      </h2>
      <p>{insights.summary}</p>
      {insights.actions.length > 0 && (
        <>
          <h3>Actions</h3>
          <ol>
            {[...insights.actions]
              .sort((a, b) => Number(a.priority) - Number(b.priority))
              .map((a, i) => (
                <li key={i}>
                  {a.action} <span className="muted small">{a.finding_ids.join(", ")}</span>
                </li>
              ))}
          </ol>
        </>
      )}
      {insights.hypotheses.length > 0 && (
        <>
          <h3>Hypotheses</h3>
          <ul>
            {insights.hypotheses.map((h, i) => (
              <li key={i}>
                {h.hypothesis} <span className="muted small">{h.finding_ids.join(", ")}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function StreamCard({ analysisId, report }: { analysisId: string; report: StreamReport }) {
  const worst = worstSeverity(report.findings);
  const counts = countBySeverity(report.findings);
  return (
    <article className={`stream-card worst-${worst ?? "none"}`} data-testid="stream-card" data-stream={report.stream}>
      <header>
        <a className="mono stream-name" href={`/streams/${enc(report.stream)}`} onClick={link(`/streams/${enc(report.stream)}`)}>
          {report.stream}
        </a>
        <span className="muted small">
          {report.mode === "ON_DEMAND" ? "on-demand" : `${report.open_shard_count} shard${report.open_shard_count === 1 ? "" : "s"}`} · {report.retention_hours} h retention
          {report.consumer_count !== undefined ? ` · ${report.consumer_count} EFO consumer${report.consumer_count === 1 ? "" : "s"}` : ""}
          {report.encrypted === false ? " · not encrypted" : ""} · {formatPeriod(report.window.period)} periods
        </span>
        <span className="spacer" />
        {SEVERITIES.map((s) => (counts[s] ? <SeverityBadge key={s} severity={s} count={counts[s]} /> : null))}
        {!worst && <span className="pill pill-ok">no findings</span>}
      </header>
      {sortFindings(report.findings)
        .filter((f) => f.severity !== "info")
        .map((f) => (
          <FindingView key={f.id} finding={f} />
        ))}
      {counts.info > 0 && (
        // Informational findings stay one click away, so the problems are what the eye meets first.
        <details className="info-findings" open={counts.critical + counts.warning === 0}>
          <summary>
            {counts.info} informational finding{counts.info === 1 ? "" : "s"}:{" "}
            {report.findings
              .filter((f) => f.severity === "info")
              .map((f) => f.title)
              .join(" · ")}
          </summary>
          {sortFindings(report.findings)
            .filter((f) => f.severity === "info")
            .map((f) => (
              <FindingView key={f.id} finding={f} />
            ))}
        </details>
      )}
      {report.sizing && <SizingView analysisId={analysisId} report={report} />}
      {(report.alarms?.length ?? 0) > 0 && <AlarmsView alarms={report.alarms ?? []} />}
    </article>
  );
}

// The recommended alarms with their replay over the window: the alarm that would have caught a
// finding says when; a healthy stream's alarms say they stayed quiet.
function AlarmsView({ alarms }: { alarms: AlarmSpec[] }) {
  const fired = alarms.filter((a) => a.backtest?.would_fire).length;
  return (
    <details className="alarms" data-testid="alarms" open={fired > 0}>
      <summary>
        {alarms.length} recommended alarm{alarms.length === 1 ? "" : "s"}
        {" · "}
        {fired > 0 ? <b className="warn-text">{fired} would have fired in this window</b> : <span className="muted">none would have fired in this window</span>}
      </summary>
      <table className="alarm-table">
        <thead>
          <tr>
            <th>metric</th>
            <th>condition</th>
            <th>replayed over the window</th>
          </tr>
        </thead>
        <tbody>
          {alarms.map((alarm) => {
            const replay = describeReplay(alarm);
            return (
              <tr key={alarm.alarm_name} data-testid="alarm-row" data-metric={alarm.metric_name} data-replay={replay.tone} title={alarm.description ?? alarm.alarm_name}>
                <td className="mono">{alarm.metric_name}</td>
                <td className="mono small">{describeAlarmCondition(alarm)}</td>
                <td>
                  <span className={`pill ${replay.tone === "fired" ? "pill-bad" : replay.tone === "quiet" ? "pill-ok" : "pill-neutral"}`}>{replay.tone === "fired" ? "would fire" : replay.tone}</span>{" "}
                  <span className="small">{replay.text}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}

function FindingView({ finding }: { finding: Finding }) {
  return (
    <div className={`finding finding-${finding.severity}`} data-testid="finding">
      <div className="finding-head">
        <SeverityBadge severity={finding.severity} />
        <span className="category">{CATEGORY_LABELS[finding.category] ?? finding.category}</span>
        <span className="finding-title">{finding.title}</span>
        <span className="muted small mono">{finding.id}</span>
      </div>
      {finding.evidence.length > 0 && (
        <table className="grid-table compact evidence">
          <thead>
            <tr>
              <th>Metric</th>
              <th>Statistic</th>
              <th className="num">Value</th>
              <th className="num">Threshold</th>
              <th>Period</th>
              <th>At (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {finding.evidence.map((e, i) => (
              <tr key={i}>
                <td className="mono">{e.metric}</td>
                <td>{e.statistic}</td>
                <td className={`num ${e.threshold !== null && e.value > e.threshold ? "over" : ""}`}>{formatEvidenceValue(e.metric, e.statistic, e.value)}</td>
                <td className="num">{e.threshold === null ? "—" : formatEvidenceValue(e.metric, e.statistic, e.threshold)}</td>
                <td>{e.period > 0 ? formatPeriod(e.period) : "—"}</td>
                <td className="mono small">{formatTimestamp(e.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="explanation">{finding.explanation}</p>
      <p className="recommendation">
        <b>Recommendation:</b> {finding.recommendation}
      </p>
    </div>
  );
}

function SizingView({ analysisId, report }: { analysisId: string; report: StreamReport }) {
  const { user } = useSession();
  const canApply = atLeast(user, "operator");
  const sizing = report.sizing!;
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const change = sizing.recommended_shard_count - sizing.current_shard_count;
  const firstStep = sizing.steps[0];
  const before = sizing.monthly_cost_before;
  const after = sizing.monthly_cost_after;
  const costMax = Math.max(before.provisioned, before.on_demand, after.provisioned, after.on_demand, 0.01);

  const apply = async (action: "scale" | "alarms") => {
    setBusy(action);
    setError(null);
    try {
      const answer = await post<{ result: Record<string, unknown> }>(`/api/analyses/${enc(analysisId)}/apply`, { stream: report.stream, action });
      setResult(action === "scale" ? `Scaled: ${summarise(answer.result)}` : `Alarms: ${summarise(answer.result)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="sizing" data-testid="sizing">
      <div className="sizing-shards">
        <span className="muted small">Shards</span>
        <span className="big">
          {sizing.current_shard_count} → <b className={change > 0 ? "up" : change < 0 ? "down" : ""}>{sizing.recommended_shard_count}</b>
        </span>
        <span className="small muted">
          {sizing.steps.length === 0 ? "no change needed" : `steps ${[sizing.current_shard_count, ...sizing.steps].join(" → ")}`}
        </span>
        {sizing.needed && (
          <span className="small muted" title="shards each dimension needs at the window's peak, before headroom">
            needed for bytes {formatNumber(sizing.needed.write_bytes)} · records {formatNumber(sizing.needed.write_records)} · reads {formatNumber(sizing.needed.reads)}
            {sizing.headroom ? ` · +${formatPercent(sizing.headroom)} headroom` : ""}
          </span>
        )}
      </div>
      <table className="cost">
        <thead>
          <tr>
            <th>Monthly cost ({sizing.currency ?? "USD"})</th>
            <th className="num">now</th>
            <th className="num">recommended</th>
            <th className="num">Δ</th>
            <th className="cost-legend">
              <i className="bar before" /> now <i className="bar after" /> recommended
            </th>
          </tr>
        </thead>
        <tbody>
          {(
            [
              ["provisioned", before.provisioned, after.provisioned],
              ["on-demand", before.on_demand, after.on_demand],
            ] as const
          ).map(([label, b, a]) => (
            <tr key={label}>
              <td>{label}</td>
              <td className="num">{formatUsd(b)}</td>
              <td className="num">{formatUsd(a)}</td>
              <td className={`num ${a - b > 0 ? "up" : a - b < 0 ? "down" : ""}`}>{formatUsdDelta(a - b)}</td>
              <td className="bars">
                <span className="bar before" style={{ width: `${(b / costMax) * 100}%` }} />
                <span className="bar after" style={{ width: `${(a / costMax) * 100}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canApply && (
        <div className="apply">
          <button disabled={!firstStep || busy !== null || report.mode === "ON_DEMAND"} onClick={() => apply("scale")} title="applies the first UpdateShardCount step (×2 at most)">
            {firstStep ? `Apply scale step ${sizing.current_shard_count} → ${firstStep}` : "No scaling step"}
          </button>
          <button disabled={busy !== null || !(report.alarms?.length ?? 0)} onClick={() => apply("alarms")}>
            Create {report.alarms?.length ?? 0} recommended alarms
          </button>
          {busy && <span className="muted small">applying {busy}…</span>}
          {result && <span className="ok-text small">{result}</span>}
        </div>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

function summarise(result: Record<string, unknown>): string {
  if (!result) return "done";
  if (typeof result.shard_count === "number") return `now ${result.shard_count} shards${result.status ? ` (${String(result.status)})` : ""}`;
  if (Array.isArray(result.alarms)) return `${result.alarms.length} alarms created or updated`;
  if (Array.isArray(result.created)) return `${result.created.length} created${Array.isArray(result.failed) && result.failed.length ? `, ${result.failed.length} failed` : ""}`;
  return JSON.stringify(result).slice(0, 120);
}

