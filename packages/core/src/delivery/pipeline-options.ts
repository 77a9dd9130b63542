/**
 * Options of createPipeline(), validated once at construction (a caller bug throws
 * LOGSEAL_ERR_INVALID_OPTION naming the option, before any I/O). Everything except the
 * injectables (dispatcher, clock, random) is plain data, so the same object can cross
 * pino's worker-thread boundary by structured clone.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { invalidOption, rejectUnknownOptions } from '../errors.js';
import type { KeyInput } from '../integrity/keys.js';
import type { StreamSealerOptions } from '../integrity/stream-sealer.js';
import type { RedactionPolicy } from '../redact/policy.js';
import type { HttpSenderOptions } from './http-sender.js';
import type { RetryPolicyOptions } from './retry-policy.js';

export type OverflowPolicy = 'block' | 'drop-newest' | 'drop-oldest';
const OVERFLOW: readonly OverflowPolicy[] = ['block', 'drop-newest', 'drop-oldest'];

export interface BatchOptions {
  /** Records per batch (default 1000). */
  maxRecords?: number;
  /** Bytes of canonical JSON per batch (default 1 MiB). */
  maxBytes?: number;
  /** A batch is sealed at most this long after its first record (default 1000 ms). */
  maxAgeMs?: number;
}

export interface MemoryOptions {
  /**
   * Cap on bytes held in memory: the open batch plus sealed batches waiting to be sent
   * (default 16 MiB: bench/pipeline.mjs measured a large queue costing throughput in GC;
   * long outages belong in the spool, which has its own cap).
   */
  maxBytes?: number;
  /** What happens at the cap (default 'block': the producer waits). */
  overflow?: OverflowPolicy;
}

export interface SpoolPipelineOptions {
  /** Spool directory; also holds the chain state and, by default, the dead-letter file. */
  dir: string;
  /** Cap on unacknowledged bytes on disk (default 256 MiB). */
  maxBytes?: number;
  segmentBytes?: number;
  /** What happens at the spool cap (default 'block'). */
  overflow?: OverflowPolicy;
}

export interface PipelineOptions {
  /** Sink URL (http: or https:). */
  url: string;
  /** Wire format (default 'logseal', for the collector). */
  format?: string;
  /** Options of the format's encoder (e.g. { index } for elasticsearch). */
  formatOptions?: object;
  /** Redaction policy (default { preset: 'secrets' }). */
  redact?: RedactionPolicy;
  /** Ed25519 signing key (PEM, JWK or raw 32-byte seed). At least one of signingKey / macKey. */
  signingKey?: KeyInput;
  /** Forward-secure MAC provisioning key k[0] (>= 32 bytes). */
  macKey?: string | Uint8Array;
  kid?: string;
  /** Recorded in the first seal. */
  service?: string;
  host?: string;
  /** Stream id of a new stream (default: generated). */
  sid?: string;
  /** Chain state file when there is no spool, so a restarted process continues its chain. */
  statePath?: string;
  batch?: BatchOptions;
  /** An idle stream seals an empty batch this often, so a cut tail shows (default 30000 ms; 0 disables). */
  heartbeatMs?: number;
  memory?: MemoryOptions;
  spool?: SpoolPipelineOptions;
  /** HTTP options (connections, timeouts, gzip, headers, auth, tls, retryStatuses, ...). */
  http?: Omit<HttpSenderOptions, 'url' | 'dispatcher' | 'clock'>;
  /** Retry policy (baseMs, capMs, deadlineMs). */
  retry?: Omit<RetryPolicyOptions, 'random' | 'clock'>;
  /** Dead-letter file (default: <spool.dir>/dead-letter.ndjson, else <tmpdir>/logseal/dead-letter-<pid>.ndjson). */
  deadLetterPath?: string;
  /** close() resolves within this many ms (default 8000: inside pino's 10 s exit window). */
  closeTimeoutMs?: number;
  /** Injectables (not structured-clonable; in-process use and tests). */
  dispatcher?: Dispatcher;
  clock?: () => number;
  random?: () => number;
}

const KNOWN = [
  'url', 'format', 'formatOptions', 'redact', 'signingKey', 'macKey', 'kid', 'service', 'host', 'sid', 'statePath',
  'batch', 'heartbeatMs', 'memory', 'spool', 'http', 'retry', 'deadLetterPath', 'closeTimeoutMs', 'dispatcher',
  'clock', 'random',
];

export interface ResolvedPipelineOptions extends PipelineOptions {
  format: string;
  batch: Required<BatchOptions>;
  heartbeatMs: number;
  memory: Required<MemoryOptions>;
  spool?: SpoolPipelineOptions & { overflow: OverflowPolicy };
  deadLetterPath: string;
  closeTimeoutMs: number;
  clock: () => number;
}

function posInt(name: string, v: unknown, dflt: number, allowZero = false): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (allowZero ? 0 : 1)) {
    invalidOption(name, allowZero ? 'an integer >= 0' : 'a positive integer', v);
  }
  return v;
}

function obj<T extends object>(name: string, v: unknown, known: readonly string[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalidOption(name, 'an object', v);
  rejectUnknownOptions(name, v, known);
  return v as T;
}

function overflow(name: string, v: unknown): OverflowPolicy {
  if (v === undefined) return 'block';
  if (!OVERFLOW.includes(v as OverflowPolicy)) invalidOption(name, `one of ${OVERFLOW.join(', ')}`, v);
  return v as OverflowPolicy;
}

/** Default memory cap of a pipeline (`memory.maxBytes`): 16 MiB (docs/delivery.md: a larger queue measurably slowed GC). */
export const DEFAULT_MEMORY_BYTES = 16 * 2 ** 20;

export function resolvePipelineOptions(options: PipelineOptions): ResolvedPipelineOptions {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
  rejectUnknownOptions('options', options, KNOWN);
  if (typeof options.url !== 'string' || options.url.length === 0) invalidOption('url', 'the sink URL (http: or https:)', options.url);
  if (options.format !== undefined && typeof options.format !== 'string') invalidOption('format', 'a format name', options.format);
  const b = obj<BatchOptions>('batch', options.batch, ['maxRecords', 'maxBytes', 'maxAgeMs']) ?? {};
  const m = obj<MemoryOptions>('memory', options.memory, ['maxBytes', 'overflow']) ?? {};
  const s = obj<SpoolPipelineOptions>('spool', options.spool, ['dir', 'maxBytes', 'segmentBytes', 'overflow']);
  for (const k of ['statePath', 'deadLetterPath'] as const) {
    const v = options[k];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) invalidOption(k, 'a file path', v);
  }
  for (const k of ['clock', 'random'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'function') invalidOption(k, 'a function', options[k]);
  }
  const batch = {
    maxRecords: posInt('batch.maxRecords', b.maxRecords, 1000),
    maxBytes: posInt('batch.maxBytes', b.maxBytes, 2 ** 20),
    maxAgeMs: posInt('batch.maxAgeMs', b.maxAgeMs, 1000),
  };
  const memory = { maxBytes: posInt('memory.maxBytes', m.maxBytes, DEFAULT_MEMORY_BYTES), overflow: overflow('memory.overflow', m.overflow) };
  if (memory.maxBytes < batch.maxBytes) invalidOption('memory.maxBytes', `>= batch.maxBytes (${batch.maxBytes})`, memory.maxBytes);
  const { spool: _spool, ...rest } = options;
  const resolved: ResolvedPipelineOptions = {
    ...rest,
    format: options.format ?? 'logseal',
    batch,
    heartbeatMs: posInt('heartbeatMs', options.heartbeatMs, 30_000, true),
    memory,
    deadLetterPath:
      options.deadLetterPath ??
      (s !== undefined ? join(s.dir, 'dead-letter.ndjson') : join(tmpdir(), 'logseal', `dead-letter-${process.pid}.ndjson`)),
    closeTimeoutMs: posInt('closeTimeoutMs', options.closeTimeoutMs, 8000),
    clock: options.clock ?? Date.now,
  };
  if (s !== undefined) {
    if (typeof s.dir !== 'string' || s.dir.length === 0) invalidOption('spool.dir', 'a directory path', s.dir);
    if (options.statePath !== undefined) invalidOption('statePath', 'absent when a spool is configured (the spool holds the state)');
    resolved.spool = { ...s, overflow: overflow('spool.overflow', s.overflow) };
  }
  return resolved;
}

/** The StreamSealer options a pipeline's options imply (shared by the pipeline and its pre-flight check). */
export function sealerOptions(o: ResolvedPipelineOptions): StreamSealerOptions {
  return {
    ...(o.signingKey !== undefined ? { signingKey: o.signingKey } : {}),
    ...(o.macKey !== undefined ? { macKey: o.macKey } : {}),
    ...(o.kid !== undefined ? { kid: o.kid } : {}),
    ...(o.service !== undefined ? { service: o.service } : {}),
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.sid !== undefined ? { sid: o.sid } : {}),
    clock: o.clock,
  };
}
