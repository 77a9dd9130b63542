/**
 * Counters and gauges of the collector, read two ways: stats() (a plain object) and
 * GET /metrics in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): `# HELP` and `# TYPE`
 * once per family, then `name{label="value"} number` lines; counters end in `_total`.
 * Labelled families list every known label value from the start (at 0), so a rate() over
 * a reject reason that has never happened yet still has a series.
 */

/** Stable reasons a POST /v1/batches is refused (the `error.code` of the JSON answer). */
export const REJECT_REASONS = [
  'body_not_ndjson', 'body_empty', 'batch_shape', 'prototype_poisoning', 'not_canonical', 'unsupported_encoding',
  'body_too_large', 'seal_not_authentic', 'batch_invalid', 'chain_conflict', 'stream_final', 'equivocation',
  'rate_limited', 'storage_failed', 'shutting_down', 'request_aborted',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const TORN_FILES = ['segment', 'journal', 'index', 'checkpoints'] as const;
export type TornFile = (typeof TORN_FILES)[number];

export const FORWARD_RESULTS = ['ok', 'retry', 'dead_letter'] as const;

interface Family {
  type: 'counter' | 'gauge';
  help: string;
  label?: { name: string; values: readonly string[] };
}

const PREFIX = 'logseal_collector_';

const FAMILIES = {
  batches_accepted_total: { type: 'counter', help: 'Batches verified and stored.' },
  batches_duplicate_total: { type: 'counter', help: 'Byte-identical replays of stored batches, acknowledged without storing them again.' },
  records_accepted_total: { type: 'counter', help: 'Records in stored batches.' },
  bytes_accepted_total: { type: 'counter', help: 'Bytes of stored batches (canonical NDJSON).' },
  request_bytes_total: { type: 'counter', help: 'Request body bytes received on POST /v1/batches (before gunzip).' },
  rejects_total: { type: 'counter', help: 'Batches refused, by reason (the JSON error code).', label: { name: 'reason', values: REJECT_REASONS } },
  gaps_total: { type: 'counter', help: 'Accepted batches that left a gap of missing batches before them.' },
  gaps_filled_total: { type: 'counter', help: 'Batches accepted into an earlier gap (late or resent).' },
  gap_batches: { type: 'gauge', help: 'Batches currently missing inside or before stored streams.' },
  equivocations_total: { type: 'counter', help: 'Authentic seals that contradict a stored seal of the same batch (kept in evidence.ndjson).' },
  chain_conflicts_total: { type: 'counter', help: 'Authentic batches that do not link to the stored neighbours (a fork; kept in evidence.ndjson).' },
  streams: { type: 'gauge', help: 'Streams stored.' },
  storage_bytes: { type: 'gauge', help: 'Bytes in stream segment files.' },
  torn_tail_truncations_total: { type: 'counter', help: 'Unacknowledged tails cut from files at startup after a crash.', label: { name: 'file', values: TORN_FILES } },
  torn_tail_bytes_total: { type: 'counter', help: 'Bytes cut from files at startup after a crash.' },
  commits_total: { type: 'counter', help: 'Group commits (one fsync of each touched segment plus one of the log).' },
  fsyncs_total: { type: 'counter', help: 'fsync calls made by group commits and rotations.' },
  tlog_size: { type: 'gauge', help: 'Leaves (accepted seals) in the transparency log.' },
  checkpoint_size: { type: 'gauge', help: 'Tree size of the latest signed checkpoint.' },
  checkpoints_total: { type: 'counter', help: 'Checkpoints signed.' },
  forward_batches_total: { type: 'counter', help: 'Forwarding attempts by outcome.', label: { name: 'result', values: FORWARD_RESULTS } },
  forward_pending_batches: { type: 'gauge', help: 'Stored batches not yet forwarded.' },
  storage_failed: { type: 'gauge', help: '1 after a storage write failed: ingestion answers 503 until restart.' },
  requests_in_flight: { type: 'gauge', help: 'HTTP requests being handled.' },
} as const satisfies Record<string, Family>;

export type MetricName = keyof typeof FAMILIES;

export class Metrics {
  readonly #values = new Map<MetricName, Map<string, number>>();

  constructor() {
    for (const [name, fam] of Object.entries(FAMILIES) as [MetricName, Family][]) {
      const m = new Map<string, number>();
      if (fam.label === undefined) m.set('', 0);
      else for (const v of fam.label.values) m.set(v, 0);
      this.#values.set(name, m);
    }
  }

  inc(name: MetricName, n = 1, label = ''): void {
    const m = this.#values.get(name)!;
    m.set(label, (m.get(label) ?? 0) + n);
  }

  set(name: MetricName, v: number, label = ''): void {
    this.#values.get(name)!.set(label, v);
  }

  get(name: MetricName, label = ''): number {
    return this.#values.get(name)!.get(label) ?? 0;
  }

  /** label value -> number, for a labelled family. */
  byLabel(name: MetricName): Record<string, number> {
    return Object.fromEntries(this.#values.get(name)!);
  }

  /** Prometheus text format 0.0.4. */
  render(): string {
    let out = '';
    for (const [name, fam] of Object.entries(FAMILIES) as [MetricName, Family][]) {
      const full = PREFIX + name;
      out += `# HELP ${full} ${fam.help}\n# TYPE ${full} ${fam.type}\n`;
      for (const [label, v] of this.#values.get(name)!) {
        out += fam.label === undefined ? `${full} ${v}\n` : `${full}{${fam.label.name}="${escapeLabel(label)}"} ${v}\n`;
      }
    }
    return out;
  }
}

/** Label values escape backslash, double quote and line feed (exposition format). */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
