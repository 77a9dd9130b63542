/**
 * Coded warnings for pipeline options that are valid but almost certainly not what the
 * caller meant (issue 4 item 9; DESIGN convention 6: `process.emitWarning` with a code,
 * never console noise). A wrong TYPE or RANGE is a caller bug and throws at construction
 * (pipeline-options.ts); these are combinations that work and quietly defeat the point:
 * credentials in cleartext, unverified TLS, a memory cap the heap cannot hold, a retry
 * deadline one request can use up, a retry set that dead-letters throttling.
 *
 * The defaults do not warn: a warning on the default configuration is noise that teaches
 * people to ignore warnings. createPipeline() calls emitConfigWarnings() once the pipeline
 * is built (no warning for a pipeline that failed to build). docs/delivery.md lists the codes;
 * test/delivery-observability.test.ts keeps the two in sync.
 */
import { getHeapStatistics } from 'node:v8';
import { resolvePipelineOptions, type PipelineOptions, type ResolvedPipelineOptions } from './pipeline-options.js';

/** Every configuration warning code, with its one-line meaning (also the docs table). */
export const CONFIG_WARNING_CODES = {
  LOGSEAL_WARN_INSECURE_AUTH: 'Credentials (the auth option, a credential-like header or query parameter) go over plain http: to a host that is not loopback.',
  LOGSEAL_WARN_TLS_UNVERIFIED: 'http.tls.rejectUnauthorized is false: any certificate is accepted, so anyone on the path can read and change the batches.',
  LOGSEAL_WARN_MEMORY_CAP: 'memory.maxBytes is too large for the V8 heap: the process would run out of heap before the cap and its overflow policy apply.',
  LOGSEAL_WARN_DEADLINE_SHORT: 'retry.deadlineMs is shorter than http.requestTimeoutMs: a single slow attempt uses up a batch\'s whole deadline.',
  LOGSEAL_WARN_RETRY_STATUSES: 'http.retryStatuses lacks 429 or 503: a throttling or overloaded sink gets batches dead-lettered at once instead of retried.',
} as const;

export type ConfigWarningCode = keyof typeof CONFIG_WARNING_CODES;

export interface ConfigWarning {
  code: ConfigWarningCode;
  message: string;
}

/**
 * Heap the pipeline needs per byte memory.maxBytes counts. The cap counts the canonical JSON
 * of the records held (string length); the heap also holds what is being encoded, sent and
 * written to the spool. bench/pipeline.mjs (docs/delivery.md section 10) fills the cap under
 * a down sink with the 'block' policy and finds the smallest --max-old-space-size that
 * survives it: about 18 MiB of baseline plus 2 to 3x the cap without a spool, and 3.6 to 5x
 * with one (a block waiting for its fsync is held as the batch and as the block text).
 */
const HEAP_PER_COUNTED_BYTE = 4;

/** Header and query names that carry credentials (RFC 9110 §11.6.2 Authorization, vendor API keys, tokens). */
const CREDENTIAL_NAME = /auth|token|secret|passw|api[-_]?key|cookie|signature/i;

/** RFC 6761 §6.3 localhost and the IPv4 / IPv6 loopback ranges: nothing leaves the host. */
function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1' || /^::ffff:127\./.test(h);
}

/**
 * The warnings createPipeline(options) would emit, without building anything (options are
 * validated first and throw as createPipeline would). Pure apart from reading the V8 heap
 * limit, which can be given instead.
 */
export function configWarnings(options: PipelineOptions, heapLimit: number = getHeapStatistics().heap_size_limit): ConfigWarning[] {
  return warningsFor(resolvePipelineOptions(options), heapLimit);
}

/** Emits each warning once through process.emitWarning (type 'LogSealWarning', with its code). */
export function emitConfigWarnings(o: ResolvedPipelineOptions): void {
  for (const w of warningsFor(o, getHeapStatistics().heap_size_limit)) process.emitWarning(w.message, { code: w.code, type: 'LogSealWarning' });
}

function warningsFor(o: ResolvedPipelineOptions, heapLimit: number): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  const warn = (code: ConfigWarningCode, message: string): void => void out.push({ code, message });
  const http = o.http ?? {};
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    return out; // HttpSender rejects it with a coded error; nothing to warn about
  }

  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    const carriers: string[] = [];
    if (http.auth !== undefined) carriers.push('option "http.auth"');
    for (const name of Object.keys(http.headers ?? {})) if (CREDENTIAL_NAME.test(name)) carriers.push(`header "${name}"`);
    for (const name of url.searchParams.keys()) if (CREDENTIAL_NAME.test(name)) carriers.push(`query parameter "${name}"`);
    if (carriers.length > 0) {
      warn('LOGSEAL_WARN_INSECURE_AUTH', `LogSeal: ${carriers.join(', ')} would be sent in cleartext to ${url.host} over http:; use an https: URL`);
    }
  }

  if (http.tls?.rejectUnauthorized === false) {
    warn('LOGSEAL_WARN_TLS_UNVERIFIED', `LogSeal: http.tls.rejectUnauthorized is false: the sink's certificate is not checked, so anyone on the path to ${url.host} can read and change the batches`);
  }

  if (o.memory.maxBytes * HEAP_PER_COUNTED_BYTE > heapLimit) {
    const mib = (n: number): string => `${Math.round(n / 2 ** 20)} MiB`;
    warn('LOGSEAL_WARN_MEMORY_CAP', `LogSeal: memory.maxBytes (${mib(o.memory.maxBytes)}) needs about ${mib(o.memory.maxBytes * HEAP_PER_COUNTED_BYTE)} of heap but the V8 heap limit is ${mib(heapLimit)}: the process would run out of memory before overflow "${o.memory.overflow}" applies; lower memory.maxBytes${o.spool === undefined ? ' or add a spool' : ''}`);
  }

  const deadlineMs = o.retry?.deadlineMs ?? 120_000;
  const requestTimeoutMs = http.requestTimeoutMs ?? 30_000;
  if (deadlineMs < requestTimeoutMs) {
    warn('LOGSEAL_WARN_DEADLINE_SHORT', `LogSeal: retry.deadlineMs (${deadlineMs}) is shorter than http.requestTimeoutMs (${requestTimeoutMs}): one attempt that times out uses up the batch's deadline, after which it is dead-lettered as soon as any other request succeeds`);
  }

  const statuses = http.retryStatuses;
  if (statuses !== undefined) {
    const missing = [429, 503].filter((s) => !statuses.includes(s));
    if (missing.length > 0) {
      warn('LOGSEAL_WARN_RETRY_STATUSES', `LogSeal: http.retryStatuses lacks ${missing.join(' and ')}: a sink that throttles or is overloaded gets those batches dead-lettered at once instead of retried`);
    }
  }
  return out;
}
