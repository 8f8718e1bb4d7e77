import { useState } from "react";
import { del, enc, get, post, put } from "../api";
import { link } from "../App";
import { ErrorBox, Empty, Modal, SeverityBadge, StatusPill, Updated } from "../components/ui";
import { countBySeverity, SEVERITIES } from "../lib/findings";
import { useDialogAction, usePoll } from "../hooks";
import { formatTags, parseTagList } from "../lib/format";
import { allowedRange, describeScaling } from "../lib/scaling";
import { atLeast, useSession } from "../session";
import type { Analysis, AnalysisRow, Severity, StreamRow } from "../types";

/** Findings per stream from the newest succeeded analysis: the table's "last analysis" column. */
async function latestFindings(): Promise<{ id: string; at: string; byStream: Record<string, Record<Severity, number>> } | null> {
  const list = await get<{ analyses: AnalysisRow[] }>("/api/analyses?limit=20");
  const latest = list.analyses.find((a) => a.status === "succeeded");
  if (!latest) return null;
  const analysis = await get<Analysis>(`/api/analyses/${enc(latest.id)}`);
  const byStream: Record<string, Record<Severity, number>> = {};
  for (const s of analysis.report?.streams ?? []) byStream[s.stream] = countBySeverity(s.findings);
  return { id: latest.id, at: latest.created_at, byStream };
}

type Dialog = { kind: "create" } | { kind: "scale" | "tags" | "delete"; stream: StreamRow } | null;

export function StreamsPage() {
  const { user } = useSession();
  const canWrite = atLeast(user, "operator");
  const streams = usePoll(() => get<{ streams: StreamRow[]; region: string }>("/api/streams"), 10000, []);
  const findings = usePoll(latestFindings, 30000, []);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [filter, setFilter] = useState("");
  const close = () => setDialog(null);
  const done = () => {
    setDialog(null);
    streams.reload();
  };

  const rows = (streams.data?.streams ?? [])
    .filter((s) => !filter || s.name.includes(filter) || formatTags(s.tags).includes(filter))
    .sort((a, b) => a.name.localeCompare(b.name));

  return (
    <div className="page">
      <div className="page-head">
        <h1>Streams</h1>
        <span className="muted">{streams.data ? `${streams.data.streams.length} in ${streams.data.region}` : ""}</span>
        <Updated at={streams.updatedAt} error={streams.data ? streams.error : null} />
        <div className="spacer" />
        <input className="filter" placeholder="filter by name or tag" value={filter} onChange={(e) => setFilter(e.target.value)} />
        {canWrite && (
          <button className="primary" onClick={() => setDialog({ kind: "create" })}>
            Create stream
          </button>
        )}
      </div>
      {!streams.data && <ErrorBox error={streams.error} context="Listing streams failed" />}
      {streams.data && rows.length === 0 && (
        <Empty>{filter ? "No stream matches the filter." : "No streams yet." + (canWrite ? " Create one to start." : "")}</Empty>
      )}
      {rows.length > 0 && (
        <table className="grid-table" data-testid="streams-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Mode</th>
              <th className="num">Shards</th>
              <th className="num">Retention</th>
              <th>Tags</th>
              <th title="live: the stream exists now; recorded: kwb created it but it is gone">Source</th>
              <th title="findings of the newest finished bulk analysis that covered the stream">Last analysis</th>
              {canWrite && <th className="actions">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.name} data-stream={s.name}>
                <td>
                  <a href={`/streams/${enc(s.name)}`} onClick={link(`/streams/${enc(s.name)}`)} className="mono">
                    {s.name}
                  </a>
                </td>
                <td>
                  <StatusPill status={s.status} />
                </td>
                <td>{s.mode === "ON_DEMAND" ? "on-demand" : s.mode === "PROVISIONED" ? "provisioned" : "—"}</td>
                <td className="num">{s.shard_count ?? "—"}</td>
                <td className="num">{s.retention_hours ? `${s.retention_hours} h` : "—"}</td>
                <td>
                  <div className="tags">
                    {Object.entries(s.tags ?? {}).map(([k, v]) => (
                      <span key={k} className="tag">
                        {k}={v}
                      </span>
                    ))}
                  </div>
                </td>
                <td>
                  {s.live ? <span className="muted">live</span> : <span className="pill pill-bad">recorded only</span>}
                  {s.managed && <span className="muted small"> · kwb{s.created_by ? ` (${s.created_by})` : ""}</span>}
                </td>
                <td>
                  <LastAnalysis stream={s.name} latest={findings.data} />
                </td>
                {canWrite && (
                  <td className="actions">
                    <button disabled={!s.live || s.mode === "ON_DEMAND"} title={s.mode === "ON_DEMAND" ? "on-demand streams scale themselves" : ""} onClick={() => setDialog({ kind: "scale", stream: s })}>
                      Scale
                    </button>
                    <button disabled={!s.live} onClick={() => setDialog({ kind: "tags", stream: s })}>
                      Tags
                    </button>
                    <button className="danger" disabled={!s.live} onClick={() => setDialog({ kind: "delete", stream: s })}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {dialog?.kind === "create" && <CreateDialog onClose={close} onDone={done} />}
      {dialog?.kind === "scale" && <ScaleDialog stream={dialog.stream} onClose={close} onDone={done} />}
      {dialog?.kind === "tags" && <TagsDialog stream={dialog.stream} onClose={close} onDone={done} />}
      {dialog?.kind === "delete" && <DeleteDialog stream={dialog.stream} onClose={close} onDone={done} />}
    </div>
  );
}

function LastAnalysis({ stream, latest }: { stream: string; latest: Awaited<ReturnType<typeof latestFindings>> }) {
  const counts = latest?.byStream[stream];
  if (!latest || !counts) return <span className="muted small">—</span>;
  const any = SEVERITIES.some((sev) => counts[sev] > 0);
  return (
    <a href={`/analysis/${enc(latest.id)}`} onClick={link(`/analysis/${enc(latest.id)}`)} className="badges">
      {any ? SEVERITIES.map((sev) => (counts[sev] ? <SeverityBadge key={sev} severity={sev} count={counts[sev]} /> : null)) : <span className="pill pill-ok">clean</span>}
    </a>
  );
}

function CreateDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState("");
  const [mode, setMode] = useState<"PROVISIONED" | "ON_DEMAND">("PROVISIONED");
  const [shards, setShards] = useState(1);
  const [retention, setRetention] = useState(24);
  const [tags, setTags] = useState("");
  const { error, setError, busy, run } = useDialogAction(onDone);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const parsed = parseTagList(tags);
    if ("error" in parsed) return setError(new Error(`Tags: ${parsed.error}`));
    const body: Record<string, unknown> = { name, mode, retention_hours: retention, tags: parsed.tags };
    if (mode === "PROVISIONED") body.shard_count = shards;
    await run(() => post("/api/streams", body));
  };

  return (
    <Modal title="Create stream" onClose={onClose}>
      <form onSubmit={submit} className="form">
        <label>
          Name
          <input name="stream-name" value={name} onChange={(e) => setName(e.target.value)} pattern="[a-zA-Z0-9_.\-]{1,128}" required placeholder="orders-events" />
        </label>
        <fieldset className="radio-row">
          <label>
            <input type="radio" checked={mode === "PROVISIONED"} onChange={() => setMode("PROVISIONED")} /> Provisioned
          </label>
          <label>
            <input type="radio" checked={mode === "ON_DEMAND"} onChange={() => setMode("ON_DEMAND")} /> On-demand
          </label>
        </fieldset>
        {mode === "PROVISIONED" && (
          <label>
            Shards
            <input name="shard-count" type="number" min={1} value={shards} onChange={(e) => setShards(Number(e.target.value))} />
            <span className="hint">
              Each shard accepts up to 1 MiB/s and 1,000 records/s of writes and serves 2 MiB/s of reads: {shards} shard{shards === 1 ? "" : "s"} ={" "}
              {shards} MiB/s and {(shards * 1000).toLocaleString("en-US")} records/s in.
            </span>
          </label>
        )}
        <label>
          Retention (hours)
          <input name="retention" type="number" min={24} max={8760} value={retention} onChange={(e) => setRetention(Number(e.target.value))} />
          <span className="hint">24 h is included; longer retention is billed per shard-hour.</span>
        </label>
        <label>
          Tags
          <input name="tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="team=payments, env=prod" />
        </label>
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={busy}>
            {busy ? "Creating… (waits for ACTIVE)" : "Create"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ScaleDialog({ stream, onClose, onDone }: { stream: StreamRow; onClose: () => void; onDone: () => void }) {
  const current = stream.shard_count ?? 1;
  const [target, setTarget] = useState(current * 2);
  const { error, busy, run } = useDialogAction(onDone);
  const range = allowedRange(current);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    await run(() => post(`/api/streams/${enc(stream.name)}/scale`, { target_shard_count: target }));
  };
  return (
    <Modal title={`Scale ${stream.name}`} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <p>
          Open shards now: <b>{current}</b>. One UpdateShardCount call may go from <b>{range.min}</b> (×½) to <b>{range.max}</b> (×2); kwb splits bigger changes into steps and waits
          for ACTIVE between them.
        </p>
        <div className="quick">
          <button type="button" onClick={() => setTarget(range.min)} disabled={range.min === current}>
            ×½ → {range.min}
          </button>
          <button type="button" onClick={() => setTarget(range.max)}>
            ×2 → {range.max}
          </button>
        </div>
        <label>
          Target shard count
          <input name="target" type="number" min={1} value={target} onChange={(e) => setTarget(Number(e.target.value))} />
          <span className="hint">{describeScaling(current, target)}</span>
        </label>
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={busy || target === current || target < 1}>
            {busy ? "Scaling…" : `Scale to ${target}`}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function TagsDialog({ stream, onClose, onDone }: { stream: StreamRow; onClose: () => void; onDone: () => void }) {
  const [text, setText] = useState(formatTags(stream.tags).replace(/, /g, "\n"));
  const { error, setError, busy, run } = useDialogAction(onDone);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const parsed = parseTagList(text);
    if ("error" in parsed) return setError(new Error(parsed.error));
    await run(() => put(`/api/streams/${enc(stream.name)}/tags`, { tags: parsed.tags }));
  };
  return (
    <Modal title={`Tags of ${stream.name}`} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <label>
          One key=value per line (the set replaces the current tags)
          <textarea rows={6} value={text} onChange={(e) => setText(e.target.value)} className="mono" />
        </label>
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={busy}>
            Save tags
          </button>
        </div>
      </form>
    </Modal>
  );
}

function DeleteDialog({ stream, onClose, onDone }: { stream: StreamRow; onClose: () => void; onDone: () => void }) {
  const [typed, setTyped] = useState("");
  const { error, busy, run } = useDialogAction(onDone);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    await run(() => del(`/api/streams/${enc(stream.name)}`));
  };
  return (
    <Modal title={`Delete ${stream.name}`} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <p>
          Deleting a stream drops every record in it ({stream.shard_count ?? "?"} shards, {stream.retention_hours ?? "?"} h retention). This cannot be undone. Type the stream
          name to confirm.
        </p>
        <input value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={stream.name} className="mono" />
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="danger primary" type="submit" disabled={busy || typed !== stream.name}>
            Delete stream
          </button>
        </div>
      </form>
    </Modal>
  );
}
