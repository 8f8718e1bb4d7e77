import { useEffect, useRef, type ReactNode } from "react";
import { ApiError } from "../api";
import { formatPercent } from "../lib/format";

/** The server's error, with its code and the field it blames, so the user knows what to fix. */
export function ErrorBox({ error, context }: { error: unknown; context?: string }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, "client", String(error));
  return (
    <div className="error-box" role="alert">
      {context && <strong>{context}: </strong>}
      {e.message}
      <span className="error-meta">
        {e.status > 0 && <code>HTTP {e.status}</code>}
        <code>{e.code}</code>
        {e.field && (
          <code>
            field: <b>{e.field}</b>
          </code>
        )}
      </span>
    </div>
  );
}

export function SeverityBadge({ severity, count }: { severity: string; count?: number }) {
  return (
    <span className={`sev sev-${severity}`}>
      {count !== undefined ? `${count} ` : ""}
      {severity}
    </span>
  );
}

export function StatusPill({ status }: { status: string }) {
  const kind =
    ["ACTIVE", "succeeded", "OK"].includes(status) ? "ok"
    : ["CREATING", "UPDATING", "running", "queued", "DELETING", "INSUFFICIENT_DATA"].includes(status) ? "busy"
    : ["MISSING", "failed", "ALARM"].includes(status) ? "bad"
    : "neutral";
  return <span className={`pill pill-${kind}`}>{status || "unknown"}</span>;
}

export function ProgressBar({ fraction, label }: { fraction: number; label: string }) {
  const clamped = Math.min(Math.max(fraction, 0), 1);
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(clamped * 100)} data-testid="analysis-progress">
      <div className="progress-fill" style={{ width: `${clamped * 100}%` }} />
      <span className="progress-label">
        {formatPercent(clamped)} · {label}
      </span>
    </div>
  );
}

export function Modal({ title, children, onClose }: { title: string; children: ReactNode; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  // Focus once, on open: the parent re-renders on every auto-refresh, and refocusing then would
  // yank the cursor out of the field being typed in.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && closeRef.current();
    window.addEventListener("keydown", onKey);
    ref.current?.querySelector<HTMLElement>("input, select, button.primary")?.focus();
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-label={title} ref={ref}>
        <header>
          <h3>{title}</h3>
          <button className="ghost" onClick={onClose} aria-label="close">
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty-state">{children}</div>;
}

export function Updated({ at, error }: { at: number | null; error?: unknown }) {
  if (error) return <span className="updated stale">refresh failed — showing last data</span>;
  if (!at) return null;
  return <span className="updated">updated {new Date(at).toISOString().slice(11, 19)}Z</span>;
}
