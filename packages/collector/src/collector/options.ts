/**
 * createCollector() options, validated once at construction: a caller bug throws
 * LOGSEAL_ERR_INVALID_OPTION (or LOGSEAL_ERR_KEY_FORMAT for key material) naming the
 * option, before the data directory or the network is touched. The caller's objects are
 * never kept or changed: everything is copied into a resolved, frozen form.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Keyring, loadSigningKey, type KeyInput, type KeyringEntry, type HttpSenderOptions } from '@logseal/core';
import type { KeyObject } from 'node:crypto';
import { isValidOrigin } from './checkpoint.js';
import { keyEntry, readCollectorKeyFile } from './key-file.js';
import type { LoggerOptions } from './logger.js';
import { bool, fn, int, invalid, optObject, pem, rejectUnknown, str } from './validate.js';

/** An undici Dispatcher (typed through core, so this package needs no direct undici dependency). */
type Dispatcher = NonNullable<HttpSenderOptions['dispatcher']>;

export interface CollectorTlsOptions {
  /** Server certificate chain (PEM). */
  cert: string | Buffer;
  /** Server private key (PEM). */
  key: string | Buffer;
  passphrase?: string;
  /** CA certificate(s) that client certificates must chain to (with requestCert). */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** Require a client certificate signed by `ca` (mutual TLS); the handshake fails without one. Default false. */
  requestCert?: boolean;
}

export interface CollectorLimits {
  /** Largest request body, after gunzip (default 16 MiB): larger ones get 413. */
  maxBodyBytes?: number;
  /** Batches per second per key id (token bucket; default 200; 0 = no limit): more get 429 with Retry-After. */
  keyRequestsPerSecond?: number;
  /** Bucket size per key id (default 2 x keyRequestsPerSecond). */
  keyBurst?: number;
  /** Time allowed to receive the request headers (default 10 000 ms): slow-loris connections get 408 and are closed. */
  headersTimeoutMs?: number;
  /** Time allowed to receive the whole request, body included (default 60 000 ms). */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this (default 5 000 ms). */
  keepAliveTimeoutMs?: number;
  /** Concurrent TCP connections (default 1024); more are refused at accept. */
  maxConnections?: number;
}

export interface ForwardOptions {
  /** Sink URL (http: or https:). */
  url: string;
  /** One of core's encoder formats (default 'logseal'). */
  format?: string;
  /** Options of that encoder (e.g. { index } for elasticsearch). */
  formatOptions?: object;
  /** HttpSender options (auth, tls, gzip, timeouts, headers, connections...). */
  http?: Omit<HttpSenderOptions, 'url' | 'dispatcher' | 'clock'>;
  /** Backoff of failed forwards (RetryPolicy: baseMs default 1000, capMs 30000, deadlineMs 120000 before a poison batch is dead-lettered). */
  retry?: { baseMs?: number; capMs?: number; deadlineMs?: number };
  /** Where batches the sink refuses for good go (default <dataDir>/forward-dead-letter.ndjson). */
  deadLetterPath?: string;
  /** An undici dispatcher of your own (tests, proxies). */
  dispatcher?: Dispatcher;
}

export interface CollectorOptions {
  /** Data directory (created if absent). One collector process per directory (a lock file enforces it). */
  dataDir: string;
  /** Keyring entries ({kid?, publicKey?, macKey?} as core's verify() takes) or the path of a key file (docs/collector.md). */
  keys: readonly KeyringEntry[] | string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 8080; 0 picks a free port (listen() returns it). */
  port?: number;
  /** Serve HTTPS (optionally with client certificates). */
  tls?: CollectorTlsOptions;
  limits?: CollectorLimits;
  /** A stream's active segment is rotated when the next batch would take it past this (default 64 MiB). */
  segmentBytes?: number;
  /** A checkpoint is signed this often when the log grew (default 60 000 ms; 0: only on demand). */
  checkpointIntervalMs?: number;
  /** Ed25519 key that signs checkpoints. Default: <dataDir>/tlog/checkpoint-key.pem, made (0600) on first start. */
  checkpointKey?: KeyInput;
  /** Log name: the checkpoint's first line and key name (default "logseal-collector/<key id>"). */
  origin?: string;
  /** Forward every stored batch to another sink. */
  forward?: ForwardOptions;
  /** JSON log lines of the collector itself (default: process.stderr, level info); false: none. */
  logger?: LoggerOptions | false;
  /** Wall clock in ms (default Date.now). */
  clock?: () => number;
}

export interface ResolvedForward {
  url: string;
  format: string;
  formatOptions: object | undefined;
  http: Record<string, unknown>;
  retry: { baseMs?: number; capMs?: number; deadlineMs?: number };
  deadLetterPath: string;
  dispatcher: Dispatcher | undefined;
}

export interface ResolvedOptions {
  dataDir: string;
  keyring: Keyring;
  kids: ReadonlySet<string>;
  host: string;
  port: number;
  tls: { cert: string | Buffer; key: string | Buffer; passphrase?: string; ca?: (string | Buffer)[]; requestCert: boolean } | undefined;
  limits: Required<CollectorLimits>;
  segmentBytes: number;
  checkpointIntervalMs: number;
  checkpointKey: KeyObject | undefined;
  origin: string | undefined;
  forward: ResolvedForward | undefined;
  logger: LoggerOptions | false | undefined;
  clock: () => number;
}

const KNOWN = ['dataDir', 'keys', 'host', 'port', 'tls', 'limits', 'segmentBytes', 'checkpointIntervalMs', 'checkpointKey', 'origin', 'forward', 'logger', 'clock'];
const LIMITS = ['maxBodyBytes', 'keyRequestsPerSecond', 'keyBurst', 'headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'maxConnections'];
const FORWARD = ['url', 'format', 'formatOptions', 'http', 'retry', 'deadLetterPath', 'dispatcher'];
const HOUR = 3_600_000;

function keys(v: unknown): { keyring: Keyring; kids: Set<string> } {
  let entries: KeyringEntry[];
  if (typeof v === 'string') {
    if (v.length === 0) invalid('keys', 'keyring entries or a key file path', v);
    entries = readCollectorKeyFile(v);
  } else if (Array.isArray(v)) {
    if (v.length === 0) invalid('keys', 'a non-empty array of keyring entries (a collector without keys would accept any seal)');
    entries = v.map((e, i) => keyEntry(e, 'option "keys"', i));
  } else {
    return invalid('keys', 'keyring entries or a key file path', v);
  }
  const keyring = new Keyring(entries);
  return { keyring, kids: new Set(keyring.entries.keys()) };
}

function tls(v: unknown): ResolvedOptions['tls'] {
  const t = optObject<CollectorTlsOptions>('tls', v, ['cert', 'key', 'passphrase', 'ca', 'requestCert']);
  if (t === undefined) return undefined;
  const out: NonNullable<ResolvedOptions['tls']> = { cert: pem('tls.cert', t.cert), key: pem('tls.key', t.key), requestCert: bool('tls.requestCert', t.requestCert, false) };
  const passphrase = str('tls.passphrase', t.passphrase);
  if (passphrase !== undefined) out.passphrase = passphrase;
  if (t.ca !== undefined) {
    const list = Array.isArray(t.ca) ? t.ca : [t.ca];
    if (list.length === 0) invalid('tls.ca', 'a PEM string or Buffer, or a non-empty array of them');
    out.ca = list.map((c, i) => pem(`tls.ca[${i}]`, c));
  }
  if (out.requestCert && out.ca === undefined) invalid('tls.ca', 'given when tls.requestCert is true (client certificates are checked against it)');
  return out;
}

function forward(v: unknown, dataDir: string): ResolvedForward | undefined {
  const f = optObject<ForwardOptions>('forward', v, FORWARD);
  if (f === undefined) return undefined;
  const url = str('forward.url', f.url);
  if (url === undefined) return invalid('forward.url', 'the sink URL (http: or https:)');
  const http = optObject<Record<string, unknown>>('forward.http', f.http, ['connections', 'connectTimeoutMs', 'requestTimeoutMs', 'gzip', 'headers', 'auth', 'tls', 'retryStatuses', 'maxResponseBytes']) ?? {};
  const retry = optObject<ResolvedForward['retry']>('forward.retry', f.retry, ['baseMs', 'capMs', 'deadlineMs']) ?? {};
  if (f.formatOptions !== undefined && (typeof f.formatOptions !== 'object' || f.formatOptions === null)) invalid('forward.formatOptions', 'an object', f.formatOptions);
  if (f.dispatcher !== undefined && (typeof f.dispatcher !== 'object' || f.dispatcher === null)) invalid('forward.dispatcher', 'an undici Dispatcher', f.dispatcher);
  return {
    url,
    format: str('forward.format', f.format, 'logseal')!,
    formatOptions: f.formatOptions === undefined ? undefined : { ...f.formatOptions },
    http: { ...http },
    retry: { ...retry },
    deadLetterPath: resolve(str('forward.deadLetterPath', f.deadLetterPath) ?? `${dataDir}/forward-dead-letter.ndjson`),
    dispatcher: f.dispatcher,
  };
}

export function resolveOptions(options: CollectorOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) invalid('options', 'an object', options);
  rejectUnknown('collector', options, KNOWN);
  const o = options as unknown as Record<string, unknown>;
  const dataDir = str('dataDir', o.dataDir);
  if (dataDir === undefined) return invalid('dataDir', 'a directory path');
  const host = str('host', o.host, '127.0.0.1')!;
  if (isIP(host) === 0 && !/^[A-Za-z0-9.-]{1,253}$/.test(host)) invalid('host', 'an IP address or host name', host);
  const l = optObject<CollectorLimits>('limits', o.limits, LIMITS) ?? {};
  const perSecond = int('limits.keyRequestsPerSecond', l.keyRequestsPerSecond, 200, 0, 1_000_000);
  const limits: Required<CollectorLimits> = {
    maxBodyBytes: int('limits.maxBodyBytes', l.maxBodyBytes, 16 * 2 ** 20, 1024, 2 ** 31 - 1),
    keyRequestsPerSecond: perSecond,
    keyBurst: int('limits.keyBurst', l.keyBurst, Math.max(1, perSecond * 2), 1, 10_000_000),
    headersTimeoutMs: int('limits.headersTimeoutMs', l.headersTimeoutMs, 10_000, 100, HOUR),
    requestTimeoutMs: int('limits.requestTimeoutMs', l.requestTimeoutMs, 60_000, 100, HOUR),
    keepAliveTimeoutMs: int('limits.keepAliveTimeoutMs', l.keepAliveTimeoutMs, 5_000, 100, HOUR),
    maxConnections: int('limits.maxConnections', l.maxConnections, 1024, 1, 1_000_000),
  };
  // Node checks headersTimeout against requestTimeout: the headers cannot be allowed longer than the whole request.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) invalid('limits.headersTimeoutMs', `<= limits.requestTimeoutMs (${limits.requestTimeoutMs})`, limits.headersTimeoutMs);
  const origin = str('origin', o.origin);
  if (origin !== undefined && !isValidOrigin(origin)) invalid('origin', 'printable ASCII without spaces or "+" (a C2SP key name)', origin);
  const absDir = resolve(dataDir);
  return {
    dataDir: absDir,
    ...keys(o.keys),
    host,
    port: int('port', o.port, 8080, 0, 65535),
    tls: tls(o.tls),
    limits,
    segmentBytes: int('segmentBytes', o.segmentBytes, 64 * 2 ** 20, 4096, 2 ** 40),
    checkpointIntervalMs: int('checkpointIntervalMs', o.checkpointIntervalMs, 60_000, 0, 24 * HOUR),
    checkpointKey: o.checkpointKey === undefined ? undefined : loadSigningKey(o.checkpointKey as KeyInput),
    origin,
    forward: forward(o.forward, absDir),
    logger: o.logger as LoggerOptions | false | undefined,
    clock: fn('clock', o.clock, Date.now),
  };
}
