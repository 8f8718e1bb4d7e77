// Shapes of the kwb serve API (docs/openapi.json and the analysis report of `kwb analyze --output json`).

export type Role = "admin" | "operator" | "viewer";
export type Severity = "critical" | "warning" | "info";

export interface User {
  id?: number;
  username: string;
  role: Role;
  disabled?: boolean;
  password_changed?: boolean;
  created_at?: string;
  updated_at?: string;
}

export interface SystemInfo {
  version: string;
  store: { backend: string; schema_version: number };
  aws_target: { mode: string; kinesis_endpoint: string; region: string; credentials_source: string };
  default_admin_password: boolean;
}

export interface StreamRow {
  name: string;
  arn?: string;
  status: string;
  mode?: "PROVISIONED" | "ON_DEMAND" | null;
  shard_count?: number | null;
  retention_hours?: number | null;
  tags?: Record<string, string> | null;
  live: boolean;
  managed?: boolean;
  created_by?: string;
}

export interface Shard {
  shard_id: string;
  open: boolean;
  starting_hash_key: string;
  ending_hash_key: string;
}

export interface StreamDetail extends StreamRow {
  region?: string;
  account_id?: string;
  shards?: Shard[];
}

export interface Evidence {
  metric: string;
  statistic: string;
  value: number;
  threshold: number | null;
  period: number;
  at: string | null;
}

export interface Finding {
  id: string;
  stream: string;
  category: string;
  severity: Severity | string;
  title: string;
  evidence: Evidence[];
  explanation: string;
  recommendation: string;
}

export interface MonthlyCost {
  provisioned: number;
  on_demand: number;
}

export interface Sizing {
  current_shard_count: number;
  recommended_shard_count: number;
  needed?: { write_bytes: number; write_records: number; reads: number };
  headroom?: number;
  steps: number[];
  monthly_cost_before: MonthlyCost;
  monthly_cost_after: MonthlyCost;
  currency?: string;
  prices?: string;
}

/** The alarm replayed over the analysis window (backtest_alarm in src/analysis/alarms.h). */
export interface AlarmBacktest {
  evaluated: boolean;
  reason?: string;
  would_fire?: boolean;
  first_alarm_at?: string | null;
  minutes_in_alarm?: number;
  times_fired?: number;
  datapoints?: number;
  breaching_datapoints?: number;
  worst_value?: number | null;
  resolution_seconds?: number;
  approximate?: boolean;
}

export interface AlarmSpec {
  alarm_name: string;
  metric_name: string;
  statistic: string;
  threshold: number;
  comparison_operator: string;
  evaluation_periods: number;
  datapoints_to_alarm?: number;
  period: number;
  treat_missing_data?: string;
  reason?: string;
  description?: string;
  backtest?: AlarmBacktest;
}

export interface StreamReport {
  stream: string;
  stream_arn?: string;
  mode: string;
  open_shard_count: number;
  retention_hours: number;
  encrypted?: boolean;
  enhanced_monitoring?: string[] | boolean;
  consumer_count?: number;
  window: { start: string; end: string; period: number };
  findings: Finding[];
  recommended_shard_count?: number;
  sizing?: Sizing | null;
  alarms?: AlarmSpec[];
}

export interface Insights {
  summary: string;
  actions: { priority: number | string; action: string; finding_ids: string[] }[];
  hypotheses: { hypothesis: string; finding_ids: string[] }[];
  model?: string;
  cached?: boolean;
}

export interface Report {
  generated_at: string;
  analyzer: string;
  requested_analyzer: string;
  fallback_reason: string | null;
  prices?: string;
  insights: Insights | null;
  streams: StreamReport[];
}

export interface Progress {
  phase: "describe" | "metrics" | "analyze" | "done" | string;
  done: number;
  total: number;
}

export interface AnalysisRow {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed" | string;
  created_at: string;
  created_by: string;
  window: string;
  analyzer_requested: string;
  analyzer: string | null;
  stream_count: number;
  finding_counts: Record<Severity, number> | null;
  error: string | null;
}

export interface Analysis extends AnalysisRow {
  progress: Progress | null;
  report: Report | null;
}

export interface MetricSeries {
  metric: string;
  statistic: string;
  unit: string;
  points: [string, number][];
}

export interface StreamMetrics {
  stream: string;
  period: number;
  start: string;
  end: string;
  series: MetricSeries[];
}

export interface AlarmState {
  alarm_name: string;
  state: string;
  state_reason?: string;
  metric_name: string;
  threshold: number;
}
