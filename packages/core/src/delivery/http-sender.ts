/**
 * HttpSender: ships one EncodedRequest over HTTP/1.1 with undici (issue 4, item 2) and
 * classifies what happened. `send()` never throws for network or HTTP trouble: it
 * returns 'ok' (2xx), 'retryable' (network errors, timeouts, statuses in the retry set,
 * with Retry-After parsed) or 'fatal' (any other answer, TLS verification failures, a
 * request undici refuses to build). What to do next is RetryPolicy's job.
 *
 * TLS verification failures are FATAL, not retryable: an unknown CA, a name mismatch or
 * an expired certificate is a configuration error that no retry can fix, and retrying
 * it as "sink down" would hold every batch back until memory or spool overflows. The
 * result carries cause 'tls' so the pipeline can warn once, loudly. A server that
 * demands a client certificate we did not send (nginx `ssl_verify_client on`) answers
 * HTTP 400 (fatal too), or aborts the handshake with a TLS alert (ERR_SSL_*: fatal). One
 * blind spot: under TLS 1.3 a Node-style server's "certificate required" alert comes after
 * the client considers the handshake done, and undici then reports UND_ERR_SOCKET "other
 * side closed", which is retryable: nothing at this layer tells it from a dropped socket.
 *
 * Every response body is read (capped) or destroyed, so a socket is always released to
 * the pool or closed: an unread undici body holds its connection forever.
 */
import { gzip as gzipCallback } from 'node:zlib';
import { promisify } from 'node:util';
import { Pool, type Dispatcher } from 'undici';
import { invalidOption, rejectUnknownOptions } from '../errors.js';
import type { EncodedRequest } from './types.js';
import { DEFAULT_RETRY_STATUSES, parseRetryAfter, statusSet } from './retry-policy.js';

const gzipAsync = promisify(gzipCallback);

export type HttpAuth =
  /** `Authorization: Bearer <token>` (RFC 6750 §2.1). */
  | { bearer: string }
  /** `Authorization: Basic base64(user:password)` in UTF-8 (RFC 7617). */
  | { basic: { username: string; password: string } }
  /** `Authorization: <scheme> <token>`, e.g. Splunk HEC's `Splunk <token>`. */
  | { scheme: string; token: string }
  /** A header of its own, e.g. Datadog's `DD-API-KEY: <key>`. */
  | { header: string; value: string };

export interface HttpTlsOptions {
  /** CA certificate(s), PEM; replaces the default trust store (as node:tls does). */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** Client certificate chain (PEM) for mutual TLS; needs `key`. */
  cert?: string | Buffer;
  /** Client private key (PEM) for mutual TLS; needs `cert`. */
  key?: string | Buffer;
  passphrase?: string;
  /** SNI and certificate name to check, when it differs from the URL host. */
  servername?: string;
  /** Default true. false accepts any certificate: tests only. */
  rejectUnauthorized?: boolean;
}

export interface HttpSenderOptions {
  /** Sink URL (http: or https:). Each request's `path` is appended to its path; queries are merged. */
  url: string | URL;
  /** A dispatcher of your own (Agent, Pool, MockAgent...). close() leaves it open. */
  dispatcher?: Dispatcher;
  /**
   * Sockets in the default Pool (default 4): room for a stream's in-order batch, a partial
   * resend and a heartbeat at once, yet few enough that a retry storm from many streams
   * cannot open hundreds of sockets on a struggling sink.
   */
  connections?: number;
  /** TCP + TLS connect timeout in ms for the default Pool (default 10_000). */
  connectTimeoutMs?: number;
  /** Whole exchange (queueing, connect, send, headers, body) in ms (default 30_000). */
  requestTimeoutMs?: number;
  /** gzip the body and send `content-encoding: gzip` (default false). */
  gzip?: boolean;
  /** Extra headers on every request (names are RFC 9110 tokens; framing headers are refused). */
  headers?: Readonly<Record<string, string>>;
  auth?: HttpAuth;
  tls?: HttpTlsOptions;
  /** Statuses that are retried (default 408, 429, 5xx). Other non-2xx statuses are fatal. */
  retryStatuses?: readonly number[];
  /** Response body bytes kept from a 2xx answer (default 1 MiB); beyond it the body is cut and the socket closed. */
  maxResponseBytes?: number;
  /** Wall clock in ms for a Retry-After date when the response has no Date header (default Date.now). */
  clock?: () => number;
}

interface SendBase {
  /** Body bytes put on the wire (after gzip). */
  bytesSent: number;
}

export interface SendOk extends SendBase {
  kind: 'ok';
  status: number;
  /** Response body as text, at most maxResponseBytes. */
  body: string;
  /** The body was cut at maxResponseBytes or the connection broke while it was read; the status still stands. */
  truncated: boolean;
}

export interface SendRetryable extends SendBase {
  kind: 'retryable';
  cause: 'status' | 'network' | 'timeout' | 'protocol' | 'closed';
  status?: number;
  /**
   * Error code from Node or undici (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, UND_ERR_CONNECT_TIMEOUT,
   * HPE_*, or UND_ERR_HTTP_PARSER for bytes that are not HTTP at all), or REQUEST_TIMEOUT (requestTimeoutMs).
   */
  code?: string;
  reason: string;
  retryAfterMs?: number;
}

export interface SendFatal extends SendBase {
  kind: 'fatal';
  /** 'status': a non-retryable answer; 'tls': certificate or handshake setup; 'request': a request that cannot be built. */
  cause: 'status' | 'tls' | 'request';
  status?: number;
  code?: string;
  reason: string;
  /** Start of the response body (up to 4 KiB), for the dead-letter reason. */
  body?: string;
}

export type SendResult = SendOk | SendRetryable | SendFatal;

const OPTIONS = [
  'url', 'dispatcher', 'connections', 'connectTimeoutMs', 'requestTimeoutMs', 'gzip', 'headers',
  'auth', 'tls', 'retryStatuses', 'maxResponseBytes', 'clock',
];
const TLS_OPTIONS = ['ca', 'cert', 'key', 'passphrase', 'servername', 'rejectUnauthorized'];
const ERROR_BODY_BYTES = 4096;

/** RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 §5.5 field-value without CTLs (CR/LF/NUL would split or truncate the header). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Framing and connection headers belong to undici; content-encoding to the gzip option. */
const MANAGED = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te',
  'trailer', 'proxy-connection', 'expect', 'content-encoding',
]);

/** OpenSSL X509_V_ERR_* names as Node reports them: the peer's certificate did not verify. */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD', 'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED',
  'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isPem(v: unknown): v is string | Buffer {
  return (typeof v === 'string' && v.length > 0) || (Buffer.isBuffer(v) && v.length > 0);
}

function headerValue(name: string, v: unknown): string {
  if (typeof v !== 'string' || !FIELD_VALUE.test(v)) invalidOption(name, 'a string without control characters', v);
  return v;
}

function secret(name: string, v: unknown): string {
  // Never echo a credential into an error message.
  if (typeof v !== 'string' || v.length === 0 || !FIELD_VALUE.test(v) || /\s/.test(v)) {
    invalidOption(name, 'a non-empty string without whitespace or control characters');
  }
  return v;
}

function authHeader(auth: unknown): [string, string] | undefined {
  if (auth === undefined) return undefined;
  if (auth === null || typeof auth !== 'object' || Array.isArray(auth)) invalidOption('auth', 'an object', auth);
  const a = auth as Record<string, unknown>;
  if ('bearer' in a) {
    rejectUnknownOptions('auth', a, ['bearer']);
    return ['authorization', `Bearer ${secret('auth.bearer', a.bearer)}`];
  }
  if ('basic' in a) {
    rejectUnknownOptions('auth', a, ['basic']);
    const b = a.basic as Record<string, unknown> | null;
    if (b === null || typeof b !== 'object') invalidOption('auth.basic', 'an object { username, password }', b);
    rejectUnknownOptions('auth.basic', b, ['username', 'password']);
    const u = b.username;
    // RFC 7617 §2: the user-id cannot contain a colon.
    if (typeof u !== 'string' || u.includes(':') || !FIELD_VALUE.test(u)) invalidOption('auth.basic.username', 'a string without ":" or control characters', u);
    const p = b.password;
    if (typeof p !== 'string' || /[\x00-\x1f\x7f]/.test(p)) invalidOption('auth.basic.password', 'a string without control characters');
    return ['authorization', `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}`];
  }
  if ('scheme' in a) {
    rejectUnknownOptions('auth', a, ['scheme', 'token']);
    if (typeof a.scheme !== 'string' || !TOKEN.test(a.scheme)) invalidOption('auth.scheme', 'an auth-scheme token (e.g. "Splunk")', a.scheme);
    return ['authorization', `${a.scheme} ${secret('auth.token', a.token)}`];
  }
  if ('header' in a) {
    rejectUnknownOptions('auth', a, ['header', 'value']);
    if (typeof a.header !== 'string' || !TOKEN.test(a.header)) invalidOption('auth.header', 'a header name (RFC 9110 token)', a.header);
    const name = a.header.toLowerCase();
    if (MANAGED.has(name)) invalidOption('auth.header', 'a header undici does not manage', a.header);
    return [name, secret('auth.value', a.value)];
  }
  return invalidOption('auth', 'one of { bearer }, { basic }, { scheme, token }, { header, value }', auth);
}

function tlsOptions(tls: unknown): HttpTlsOptions {
  if (tls === null || typeof tls !== 'object' || Array.isArray(tls)) invalidOption('tls', 'an object', tls);
  const t = tls as Record<string, unknown>;
  rejectUnknownOptions('tls', t, TLS_OPTIONS);
  const out: HttpTlsOptions = {};
  if (t.ca !== undefined) {
    const list = Array.isArray(t.ca) ? t.ca : [t.ca];
    if (list.length === 0 || !list.every(isPem)) invalidOption('tls.ca', 'a PEM string or Buffer, or a non-empty array of them');
    out.ca = list.slice() as (string | Buffer)[];
  }
  if ((t.cert === undefined) !== (t.key === undefined)) invalidOption(t.cert === undefined ? 'tls.cert' : 'tls.key', 'given together with tls.cert and tls.key (mutual TLS)');
  if (t.cert !== undefined) {
    if (!isPem(t.cert)) invalidOption('tls.cert', 'a PEM string or Buffer');
    if (!isPem(t.key)) invalidOption('tls.key', 'a PEM string or Buffer');
    out.cert = t.cert;
    out.key = t.key;
  }
  if (t.passphrase !== undefined) {
    if (typeof t.passphrase !== 'string') invalidOption('tls.passphrase', 'a string');
    out.passphrase = t.passphrase;
  }
  if (t.servername !== undefined) {
    if (typeof t.servername !== 'string' || !/^[A-Za-z0-9.-]+$/.test(t.servername)) invalidOption('tls.servername', 'a DNS host name', t.servername);
    out.servername = t.servername;
  }
  if (t.rejectUnauthorized !== undefined) {
    if (typeof t.rejectUnauthorized !== 'boolean') invalidOption('tls.rejectUnauthorized', 'a boolean', t.rejectUnauthorized);
    out.rejectUnauthorized = t.rejectUnauthorized;
  }
  return out;
}

function posInt(name: string, v: unknown, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) invalidOption(name, `an integer >= ${min}`, v);
  return v;
}

/** Error code of a failure, looking through undici's and AggregateError's wrappers. */
function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e !== null && typeof e === 'object'; i++) {
    const o = e as { code?: unknown; cause?: unknown; errors?: unknown; name?: unknown };
    if (typeof o.code === 'string' && o.code !== 'UND_ERR') return o.code;
    // undici's parser error has no code when llhttp names none (e.g. no "HTTP/" at all).
    if (o.name === 'HTTPParserError') return 'UND_ERR_HTTP_PARSER';
    e = Array.isArray(o.errors) && o.errors.length > 0 ? o.errors[0] : o.cause;
  }
  return undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Body = Dispatcher.ResponseData['body'];

/** Reads at most `cap` bytes; past it (or on a broken connection) stops and destroys the body. */
async function readCapped(body: Body, cap: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let n = 0;
  let truncated = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const room = cap - n;
      if (chunk.length > room) {
        if (room > 0) chunks.push(chunk.subarray(0, room));
        n = cap;
        truncated = true;
        break; // ends the iterator, which destroys the stream: the socket is closed, not reused
      }
      chunks.push(chunk);
      n += chunk.length;
    }
  } catch {
    truncated = true;
  } finally {
    if (!body.destroyed && truncated) body.destroy();
  }
  return { text: Buffer.concat(chunks, n).toString('utf8'), truncated };
}

function parseUrl(v: unknown): URL {
  if (typeof v !== 'string' && !(v instanceof URL)) invalidOption('url', 'an absolute http: or https: URL', v);
  try {
    return new URL(v);
  } catch {
    return invalidOption('url', 'an absolute http: or https: URL', v);
  }
}

function oneLine(s: string, max = 300): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}...` : t;
}

export class HttpSender {
  readonly url: string;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #baseQuery: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownDispatcher: boolean;
  readonly #requestTimeoutMs: number;
  readonly #gzip: boolean;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #retry: ReadonlySet<number>;
  readonly #maxResponseBytes: number;
  readonly #clock: () => number;
  #closed = false;

  constructor(options: HttpSenderOptions) {
    if (options === null || typeof options !== 'object') invalidOption('options', 'an object', options);
    rejectUnknownOptions('http', options, OPTIONS);
    const o = options as HttpSenderOptions;

    const url = parseUrl(o.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') invalidOption('url', 'an http: or https: URL', url.protocol);
    // Credentials in a URL end up in logs and error messages: they belong in `auth`.
    if (url.username !== '' || url.password !== '') invalidOption('url', 'free of user:password (use the auth option)');
    if (url.hash !== '') invalidOption('url', 'free of a #fragment', o.url);
    this.url = url.href;
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#baseQuery = url.search.slice(1);

    this.#requestTimeoutMs = posInt('requestTimeoutMs', o.requestTimeoutMs, 30_000);
    if (o.gzip !== undefined && typeof o.gzip !== 'boolean') invalidOption('gzip', 'a boolean', o.gzip);
    this.#gzip = o.gzip === true;
    this.#maxResponseBytes = posInt('maxResponseBytes', o.maxResponseBytes, 1024 * 1024);
    this.#retry = o.retryStatuses === undefined ? new Set(DEFAULT_RETRY_STATUSES) : statusSet('retryStatuses', o.retryStatuses);
    if (o.clock !== undefined && typeof o.clock !== 'function') invalidOption('clock', 'a function', o.clock);
    this.#clock = o.clock ?? Date.now;

    const auth = authHeader(o.auth);
    const headers: Record<string, string> = {};
    if (o.headers !== undefined) {
      if (o.headers === null || typeof o.headers !== 'object' || Array.isArray(o.headers)) invalidOption('headers', 'an object of header names to strings', o.headers);
      for (const [k, v] of Object.entries(o.headers)) {
        if (!TOKEN.test(k)) invalidOption(`headers.${k}`, 'a header name (RFC 9110 token)');
        const name = k.toLowerCase();
        if (MANAGED.has(name)) invalidOption(`headers.${k}`, 'a header undici does not manage (framing and content-encoding are set for you)');
        if (name in headers) invalidOption(`headers.${k}`, 'given once (header names are case-insensitive)');
        if (auth !== undefined && name === auth[0]) invalidOption(`headers.${k}`, 'absent when the auth option sets it');
        headers[name] = headerValue(`headers.${k}`, v);
      }
    }
    if (auth !== undefined) headers[auth[0]] = auth[1];
    this.#headers = Object.freeze(headers);

    if (o.dispatcher !== undefined) {
      const d = o.dispatcher as Partial<Dispatcher> | null;
      if (d === null || typeof d !== 'object' || typeof d.request !== 'function' || typeof d.dispatch !== 'function') {
        invalidOption('dispatcher', 'an undici Dispatcher', o.dispatcher);
      }
      // These configure the Pool we would build; with an injected dispatcher they would be silently ignored.
      for (const k of ['connections', 'connectTimeoutMs', 'tls'] as const) {
        if (o[k] !== undefined) invalidOption(k, 'absent when a dispatcher is given (configure your dispatcher instead)');
      }
      this.#dispatcher = o.dispatcher;
      this.#ownDispatcher = false;
    } else {
      const connections = posInt('connections', o.connections, 4);
      const connectTimeout = posInt('connectTimeoutMs', o.connectTimeoutMs, 10_000);
      const tls = o.tls === undefined ? undefined : tlsOptions(o.tls);
      if (tls !== undefined && url.protocol !== 'https:') invalidOption('tls', 'used with an https: URL only');
      this.#dispatcher = new Pool(this.#origin, {
        connections,
        // Keep-alive is undici's default (4 s idle, or the server's Keep-Alive hint minus 1 s).
        headersTimeout: this.#requestTimeoutMs,
        bodyTimeout: this.#requestTimeoutMs,
        connect: { ...(tls ?? {}), timeout: connectTimeout },
      });
      this.#ownDispatcher = true;
    }
  }

  /** Sends one request and classifies the outcome. Rejects only for caller bugs, never for network or HTTP trouble. */
  async send(req: EncodedRequest): Promise<SendResult> {
    if (this.#closed) return { kind: 'retryable', cause: 'closed', reason: 'sender closed', bytesSent: 0 };
    let body: string | Uint8Array = req.body;
    const headers: Record<string, string> = { ...this.#headers, ...(req.headers ?? {}), 'content-type': req.contentType };
    if (this.#gzip) {
      try {
        body = await gzipAsync(req.body);
      } catch (err) {
        return { kind: 'fatal', cause: 'request', reason: `gzip failed: ${message(err)}`, bytesSent: 0 };
      }
      headers['content-encoding'] = 'gzip';
    }
    const bytesSent = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    const path = this.#path(req.path);
    if (path === undefined) return { kind: 'fatal', cause: 'request', reason: `invalid request path ${JSON.stringify(req.path)}`, bytesSent: 0 };

    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.#requestTimeoutMs);
    try {
      const res = await this.#dispatcher.request({ origin: this.#origin, path, method: req.method, headers, body, signal: ac.signal });
      const status = res.statusCode;
      if (status >= 200 && status < 300) {
        // The status line is the sink's verdict (RFC 9110 §15.3); a body cut by the cap or a
        // broken connection only loses detail, so the result stays 'ok' with truncated set.
        const { text, truncated } = await readCapped(res.body, this.#maxResponseBytes);
        return { kind: 'ok', status, body: text, truncated, bytesSent };
      }
      const { text } = await readCapped(res.body, ERROR_BODY_BYTES);
      const snippet = oneLine(text);
      const reason = `HTTP ${status}${snippet === '' ? '' : `: ${snippet}`}`;
      if (this.#retry.has(status)) {
        const dateHeader = res.headers.date;
        const ref = typeof dateHeader === 'string' ? Date.parse(dateHeader) : Number.NaN;
        const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Number.isNaN(ref) ? this.#clock() : ref);
        const r: SendRetryable = { kind: 'retryable', cause: 'status', status, reason, bytesSent };
        if (retryAfterMs !== undefined) r.retryAfterMs = retryAfterMs;
        return r;
      }
      return { kind: 'fatal', cause: 'status', status, reason, body: text, bytesSent };
    } catch (err) {
      if (timedOut) return this.#timeout(bytesSent);
      return classifyError(err, bytesSent);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the Pool this sender built (waiting for requests in flight); an injected dispatcher is left open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownDispatcher) await this.#dispatcher.close();
  }

  #timeout(bytesSent: number): SendRetryable {
    return { kind: 'retryable', cause: 'timeout', code: 'REQUEST_TIMEOUT', reason: `no complete answer within ${this.#requestTimeoutMs} ms`, bytesSent };
  }

  /** Base path + request path; the base URL's query and the request's are joined with '&'. */
  #path(p: string): string | undefined {
    if (typeof p !== 'string' || (p !== '' && p[0] !== '/' && p[0] !== '?') || /[\s#]/.test(p)) return undefined;
    const q = p.indexOf('?');
    const reqPath = q < 0 ? p : p.slice(0, q);
    const reqQuery = q < 0 ? '' : p.slice(q + 1);
    const path = `${this.#basePath}${reqPath}` || '/';
    const query = [this.#baseQuery, reqQuery].filter((s) => s !== '').join('&');
    return query === '' ? path : `${path}?${query}`;
  }
}

/** Network-level failures: TLS verification and unbuildable requests are fatal, everything else retryable. */
export function classifyError(err: unknown, bytesSent = 0): SendRetryable | SendFatal {
  const code = errorCode(err);
  const reason = code === undefined ? message(err) : `${code}: ${message(err)}`;
  if (code !== undefined && (TLS_VERIFY_CODES.has(code) || code.startsWith('ERR_SSL_'))) {
    return { kind: 'fatal', cause: 'tls', code, reason, bytesSent };
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED' || code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_CHAR') {
    return { kind: 'fatal', cause: 'request', code, reason, bytesSent };
  }
  const r: SendRetryable = {
    kind: 'retryable',
    cause: code === undefined ? 'network'
      : code.startsWith('HPE_') || code === 'UND_ERR_HTTP_PARSER' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_HEADERS_OVERFLOW' ? 'protocol'
        : /TIMEOUT|ETIMEDOUT/.test(code) ? 'timeout'
          : code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED' ? 'closed'
            : 'network',
    reason,
    bytesSent,
  };
  if (code !== undefined) r.code = code;
  return r;
}
