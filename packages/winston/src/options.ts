/**
 * Options of LogSealTransport, validated once at construction (DESIGN conventions 3 and 4):
 * a bad option throws a LogSealError naming it (LOGSEAL_ERR_INVALID_OPTION, or the code of
 * the key, policy or format check that failed) before any thread, socket or file exists.
 *
 * Three groups, told apart by name:
 *   winston's own      level, format, silent, handleExceptions, handleRejections, name
 *   this adapter's     sinkFormat (core's `format`: in winston `format` is logform's), thread,
 *                      queueBytes, formatted, exitHook, env
 *   the pipeline's     everything else: @logseal/core's TransportConfig (url, preset, keys, batch,
 *                      memory, spool, http, retry, ...), merged with LOGSEAL_* environment
 *                      variables by pipelineOptionsFromConfig; explicit options win.
 */
import type TransportStream from 'winston-transport';
import { checkPipelineOptions, invalidOption as invalid, pipelineOptionsFromConfig, type PipelineOptions, type TransportConfig } from '@logseal/core';

/** Options of `new LogSealTransport(options)`. Every field is optional when LOGSEAL_URL and a key are in the environment. */
export interface LogSealTransportOptions extends Omit<TransportConfig, 'format'> {
  // ---- winston's transport options -----------------------------------------------------
  /** Most verbose level this transport ships (default: the logger's level). */
  level?: string;
  /**
   * A logform format applied for this transport only, after the logger's format (default:
   * none). winston's meaning of `format`; the sink's wire format is `sinkFormat`.
   */
  format?: TransportStream.TransportStreamOptions['format'];
  /** Ships nothing when true (default false). */
  silent?: boolean;
  /** Ships winston's uncaught-exception records and ends the transport after them, so `exitOnError` exits only when they are delivered (default false). */
  handleExceptions?: boolean;
  /** Same for unhandled promise rejections (default false). */
  handleRejections?: boolean;
  /** Transport name, as winston transports have one (default 'logseal'). */
  name?: string;

  // ---- this adapter --------------------------------------------------------------------
  /**
   * Wire format of the sink: 'logseal' (the collector), 'ndjson', 'elasticsearch', 'loki',
   * 'splunk', 'datadog', 'otlp', 'clickhouse' (default: $LOGSEAL_FORMAT, else 'logseal').
   * @logseal/core calls it `format`; in winston `format` is the logform format.
   */
  sinkFormat?: string;
  /**
   * Run redaction, hashing, sealing and delivery in a worker thread (default true). The
   * application's thread then only snapshots each record as JSON text (docs/winston.md has
   * the measurements). false runs the pipeline in the application's thread, and is the only
   * mode that accepts the `dispatcher`, `clock` and `random` injectables.
   */
  thread?: boolean;
  /**
   * Thread mode: bytes of records handed to the worker and not yet taken by the pipeline
   * (default 16 MiB). Past it, log() callbacks wait (winston then buffers in its own stream)
   * until the worker catches up: the thread-mode half of the 'block' overflow policy.
   */
  queueBytes?: number;
  /**
   * Also ship winston's formatted line, `info[Symbol.for('message')]`, as the field
   * `formatted` (default false: the structured fields are the record; see docs/winston.md).
   */
  formatted?: boolean;
  /**
   * Thread mode: on process 'exit' (process.exit(), the end of the event loop, an uncaught
   * exception) block the exiting thread until the worker has delivered, or spooled, and
   * sealed `final` everything logged, for at most closeTimeoutMs + 2 s (default true).
   * In-process mode: on 'beforeExit', close (deliver and seal `final`).
   */
  exitHook?: boolean;
  /** Environment read for LOGSEAL_* defaults (default process.env). */
  env?: NodeJS.ProcessEnv;

  // ---- in-process injectables (thread: false only) -------------------------------------
  /** An undici Dispatcher of your own (tests, proxies). thread: false only. */
  dispatcher?: PipelineOptions['dispatcher'];
  /** Wall clock in ms (default Date.now). thread: false only. */
  clock?: () => number;
  /** Randomness for retry jitter, in [0, 1) (default Math.random). thread: false only. */
  random?: () => number;
}

/** What the transport runs with, after validation. */
export interface ResolvedTransportOptions {
  /** winston-transport's constructor options. */
  winston: TransportStream.TransportStreamOptions;
  name: string;
  thread: boolean;
  queueBytes: number;
  formatted: boolean;
  exitHook: boolean;
  /** Plain data (thread mode: structured-clonable) plus, in-process, the injectables. */
  pipeline: PipelineOptions;
}

const WINSTON_KEYS = ['level', 'format', 'silent', 'handleExceptions', 'handleRejections'] as const;
const ADAPTER_KEYS = ['name', 'thread', 'queueBytes', 'formatted', 'exitHook', 'env', 'sinkFormat'] as const;
const INJECTABLES = ['dispatcher', 'clock', 'random'] as const;

function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') invalid(name, 'a boolean', v);
  return v;
}

/** Validates everything; throws a coded LogSealError naming the first bad option. Never mutates `options`. */
export function resolveTransportOptions(options: LogSealTransportOptions | undefined): ResolvedTransportOptions {
  const given: LogSealTransportOptions = options ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) invalid('options', 'an object', given);

  const winston: TransportStream.TransportStreamOptions = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) {
    if ((WINSTON_KEYS as readonly string[]).includes(k) || (ADAPTER_KEYS as readonly string[]).includes(k)) continue;
    rest[k] = v;
  }
  if (given.level !== undefined) {
    if (typeof given.level !== 'string' || given.level.length === 0) invalid('level', 'a level name', given.level);
    winston.level = given.level;
  }
  if (given.format !== undefined) {
    const f = given.format as { transform?: unknown } | null;
    if (f === null || typeof f !== 'object' || typeof f.transform !== 'function') invalid('format', 'a logform format (winston.format.*())', given.format);
    winston.format = given.format;
  }
  for (const k of ['silent', 'handleExceptions', 'handleRejections'] as const) {
    if (given[k] !== undefined) winston[k] = bool(k, given[k], false);
  }

  const name = given.name ?? 'logseal';
  if (typeof name !== 'string' || name.length === 0) invalid('name', 'a non-empty string', name);
  const thread = bool('thread', given.thread, true);
  const formatted = bool('formatted', given.formatted, false);
  const exitHook = bool('exitHook', given.exitHook, true);
  const queueBytes = given.queueBytes ?? 16 * 2 ** 20;
  if (typeof queueBytes !== 'number' || !Number.isSafeInteger(queueBytes) || queueBytes < 64 * 1024) {
    invalid('queueBytes', 'an integer >= 65536', queueBytes);
  }
  const env = given.env ?? process.env;
  if (typeof env !== 'object' || env === null) invalid('env', 'an object of environment variables', env);

  // Functions cannot cross to the worker thread (structured clone): refuse them there by name,
  // rather than fail later in the worker or silently drop them.
  const injected: Pick<PipelineOptions, 'dispatcher' | 'clock' | 'random'> = {};
  for (const k of INJECTABLES) {
    const v = rest[k];
    delete rest[k];
    if (v === undefined) continue;
    if (thread) invalid(k, 'absent when thread is true (functions cannot cross to the worker thread; set thread: false)');
    (injected as Record<string, unknown>)[k] = v;
  }

  if (given.sinkFormat !== undefined) {
    if (typeof given.sinkFormat !== 'string' || given.sinkFormat.length === 0) invalid('sinkFormat', 'a sink format name', given.sinkFormat);
    rest['format'] = given.sinkFormat;
  }
  const pipeline: PipelineOptions = { ...pipelineOptionsFromConfig(rest as TransportConfig, env), ...injected };
  checkPipelineOptions(pipeline);
  return { winston, name, thread, queueBytes, formatted, exitHook, pipeline };
}
