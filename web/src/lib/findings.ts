// Ordering and counting of analysis findings: worst first, so the page reads like a triage list.
import type { Finding, Severity, StreamReport } from "../types";

export const SEVERITIES: Severity[] = ["critical", "warning", "info"];

export function severityRank(severity: string): number {
  const index = SEVERITIES.indexOf(severity as Severity);
  return index === -1 ? SEVERITIES.length : index; // unknown severities sort last
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) if (f.severity in counts) counts[f.severity as Severity] += 1;
  return counts;
}

/** The worst severity among the findings, or null when there are none. */
export function worstSeverity(findings: Finding[]): Severity | null {
  let best: Severity | null = null;
  for (const f of findings) {
    if (severityRank(f.severity) < (best === null ? SEVERITIES.length : severityRank(best))) best = f.severity as Severity;
  }
  return best;
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || a.category.localeCompare(b.category) || a.id.localeCompare(b.id),
  );
}

/**
 * Streams worst first: by worst severity, then by how many findings of that severity, then by the
 * total count, then by name (a stable order between refreshes).
 */
export function sortStreams(streams: StreamReport[]): StreamReport[] {
  const key = (s: StreamReport) => {
    const worst = worstSeverity(s.findings);
    const counts = countBySeverity(s.findings);
    return { rank: worst === null ? SEVERITIES.length : severityRank(worst), atWorst: worst ? counts[worst] : 0 };
  };
  return [...streams].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka.rank - kb.rank || kb.atWorst - ka.atWorst || b.findings.length - a.findings.length || a.stream.localeCompare(b.stream);
  });
}

export function totalCounts(streams: StreamReport[]): Record<Severity, number> {
  return countBySeverity(streams.flatMap((s) => s.findings));
}

export const CATEGORY_LABELS: Record<string, string> = {
  latency: "Latency",
  data_loss: "Data loss",
  throughput: "Throughput",
  cost: "Cost",
  configuration: "Configuration",
};

/** Progress as a 0..1 fraction; phases before "analyze" weigh less than the per-stream work. */
export function progressFraction(progress: { phase: string; done: number; total: number } | null | undefined, status: string): number {
  if (status === "succeeded" || status === "failed") return 1;
  if (!progress) return 0;
  const phases = ["describe", "metrics", "analyze", "done"];
  const index = phases.indexOf(progress.phase);
  if (index === -1) return 0;
  if (progress.phase === "done") return 1;
  const within = progress.total > 0 ? Math.min(Math.max(progress.done / progress.total, 0), 1) : 0;
  return (index + within) / 3;
}
