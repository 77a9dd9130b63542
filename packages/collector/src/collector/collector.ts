/**
 * createCollector(): the LogSeal collector (issue 6). node:http / node:https directly: the
 * collector has a handful of fixed routes and must control body reading byte by byte
 * (limits before gunzip and after, slow-loris timeouts, 413 before reading), which a
 * framework would only wrap. Routes (docs/collector.md):
 *
 *   POST /v1/batches                    one sealed batch (NDJSON), verified then stored
 *   GET  /v1/checkpoint                 latest signed checkpoint (C2SP signed note; ?format=json)
 *   GET  /v1/proof/inclusion            ?sid=&batch= or ?index=, [&size=]
 *   GET  /v1/proof/consistency          ?from=&to=
 *   GET  /v1/log                        log identity: origin, verifier key, public key, size
 *   GET  /v1/streams, /v1/streams/<sid> stored streams, their tips and open gaps
 *   GET  /healthz, /metrics
 *
 * Construction validates options and does no I/O; listen() takes the data directory's
 * lock, recovers it, then binds; close() stops accepting, lets requests in flight finish,
 * signs a last checkpoint and releases the directory.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { LogSealError } from '@logseal/core';
import type { SignedCheckpoint } from './checkpoint.js';
import { Forwarder } from './forwarder.js';
import { Ingestor } from './ingest.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics, METRICS_CONTENT_TYPE } from './metrics.js';
import { type CollectorOptions, resolveOptions, type ResolvedOptions } from './options.js';
import { KeyRateLimiter } from './rate-limit.js';
import { methodNotAllowed, sendError, sendJson } from './http-json.js';
import { readBody } from './request-body.js';
import { handleQuery } from './routes.js';
import { Storage } from './storage.js';
import { defaultOrigin, loadCheckpointKey, TransparencyLog } from './transparency.js';

export interface CollectorAddress {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  /** Where shippers POST: `${url}/v1/batches` (the pipeline's `url` option). */
  batchesUrl: string;
}

export interface CollectorStats {
  batchesAccepted: number;
  batchesDuplicate: number;
  recordsAccepted: number;
  bytesAccepted: number;
  /** Refusals by reason (error code). */
  rejects: Record<string, number>;
  gaps: number;
  gapsFilled: number;
  /** Batches missing inside or before stored streams, now. */
  gapBatches: number;
  equivocations: number;
  chainConflicts: number;
  streams: number;
  storageBytes: number;
  tornTailTruncations: number;
  commits: number;
  fsyncs: number;
  tlogSize: number;
  checkpointSize: number;
  forward: { ok: number; retries: number; deadLettered: number; pendingBatches: number };
  storageFailed: boolean;
  inFlight: number;
}

export interface Collector {
  /** Opens the data directory (lock, recovery) and starts serving. */
  listen(): Promise<CollectorAddress>;
  /** Graceful: stops accepting, finishes requests in flight, signs a last checkpoint, releases the directory. Idempotent. */
  close(): Promise<void>;
  stats(): CollectorStats;
  /** Signs a checkpoint now when the log grew since the last one; returns the latest. */
  checkpoint(): Promise<SignedCheckpoint>;
  /** The Prometheus text of GET /metrics. */
  metrics(): string;
  readonly address: CollectorAddress | null;
}

export function createCollector(options: CollectorOptions): Collector {
  const o = resolveOptions(options);
  return new LogSealCollector(o);
}

export interface Running {
  storage: Storage;
  tlog: TransparencyLog;
  ingestor: Ingestor;
}

class LogSealCollector implements Collector {
  readonly #o: ResolvedOptions;
  readonly #logger: Logger;
  readonly #metrics = new Metrics();
  readonly #forwarder: Forwarder | undefined;
  #run: Running | null = null;
  #server: Server | null = null;
  #address: CollectorAddress | null = null;
  #started = false;
  #closing: Promise<void> | null = null;
  #inFlight = 0;
  #idle: (() => void)[] = [];

  constructor(o: ResolvedOptions) {
    this.#o = o;
    this.#logger = createLogger(o.logger, o.clock);
    this.#forwarder = o.forward === undefined ? undefined : new Forwarder(o.forward, this.#metrics, this.#logger, o.clock);
  }

  get address(): CollectorAddress | null {
    return this.#address;
  }

  async listen(): Promise<CollectorAddress> {
    if (this.#started || this.#closing !== null) throw new LogSealError('LOGSEAL_ERR_COLLECTOR_LISTEN', 'listen() was already called, or the collector was closed');
    this.#started = true;
    const o = this.#o;
    const storage = await Storage.open({ dataDir: o.dataDir, segmentBytes: o.segmentBytes, clock: o.clock, logger: this.#logger, metrics: this.#metrics });
    let server: Server | undefined;
    try {
      const key = await loadCheckpointKey(o.dataDir, o.checkpointKey, this.#logger);
      const tlog = new TransparencyLog(storage, key, o.origin ?? defaultOrigin(key), o.clock, this.#metrics, this.#logger);
      const ingestor = new Ingestor({
        storage, keyring: o.keyring, kids: o.kids, metrics: this.#metrics, logger: this.#logger, clock: o.clock,
        limiter: new KeyRateLimiter(o.limits.keyRequestsPerSecond, o.limits.keyBurst, o.clock),
        onCommitted: (s) => this.#forwarder?.notify(s),
      });
      this.#run = { storage, tlog, ingestor };
      const srv = this.#createServer();
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(o.port, o.host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      srv.on('error', (err) => this.#logger.error('server_error', { error: err.message }));
      this.#server = srv;
      await this.#forwarder?.start(storage);
      tlog.start(o.checkpointIntervalMs);
    } catch (err) {
      this.#run = null;
      if (server?.listening === true) await new Promise((resolve) => server!.close(resolve));
      this.#server = null;
      await storage.close();
      if (err instanceof LogSealError) throw err;
      throw new LogSealError('LOGSEAL_ERR_COLLECTOR_LISTEN', `cannot listen on ${o.host}:${o.port}: ${(err as Error).message}`, { cause: err });
    }
    const port = (server!.address() as AddressInfo).port;
    const host = o.host.includes(':') ? `[${o.host}]` : o.host;
    const url = `${o.tls === undefined ? 'http' : 'https'}://${host}:${port}`;
    this.#address = { url, port, batchesUrl: `${url}/v1/batches` };
    this.#logger.info('listening', { url, dataDir: o.dataDir, streams: storage.streams.size, tlogSize: storage.tree.size });
    return this.#address;
  }

  #createServer(): Server {
    const l = this.#o.limits;
    const common = {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above: at most a second late, so a slow-loris
      // connection is cut close to headersTimeoutMs (Node's default check runs every 30 s).
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(l.headersTimeoutMs / 4))),
    };
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res);
    const t = this.#o.tls;
    const server = t === undefined
      ? createHttpServer(common, handler)
      : createHttpsServer({ ...common, cert: t.cert, key: t.key, ...(t.passphrase === undefined ? {} : { passphrase: t.passphrase }), ...(t.ca === undefined ? {} : { ca: t.ca }), requestCert: t.requestCert, rejectUnauthorized: t.requestCert }, handler);
    server.maxConnections = l.maxConnections;
    return server;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.#inFlight++;
    res.on('close', () => {
      this.#inFlight--;
      if (this.#inFlight === 0) for (const f of this.#idle.splice(0)) f();
    });
    void this.#route(req, res).catch((err: unknown) => {
      this.#logger.error('request_failed', { error: (err as Error).message, path: (req.url ?? '').slice(0, 200) });
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'internal error' } });
      else res.destroy();
    });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const run = this.#run;
    const url = new URL(req.url ?? '/', 'http://collector');
    const path = url.pathname;
    if (this.#closing !== null || run === null) {
      res.setHeader('connection', 'close');
      if (path === '/v1/batches') this.#metrics.inc('rejects_total', 1, 'shutting_down');
      return sendJson(res, 503, { ok: false, error: { code: 'shutting_down', message: 'the collector is shutting down' } });
    }
    if (path === '/v1/batches') {
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      return this.#postBatch(req, res, run);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    if (path === '/healthz') {
      const failed = run.storage.failed !== null;
      return sendJson(res, failed ? 503 : 200, { ok: !failed, streams: run.storage.streams.size, tlogSize: run.storage.tree.size, ...(failed ? { error: { code: 'storage_failed', message: 'storage failed; restart the collector' } } : {}) });
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
      res.end(this.metrics());
      return;
    }
    return handleQuery(req, res, url, run);
  }

  async #postBatch(req: IncomingMessage, res: ServerResponse, run: Running): Promise<void> {
    const body = await readBody(req, this.#o.limits.maxBodyBytes);
    this.#metrics.inc('request_bytes_total', body.wireBytes);
    if (!body.ok) {
      this.#metrics.inc('rejects_total', 1, body.code);
      this.#logger.info('batch_refused', { code: body.code, status: body.status });
      // The rest of an oversized body is not read: the connection cannot be reused.
      if (body.status === 413 || body.code === 'request_aborted') res.setHeader('connection', 'close');
      if (res.destroyed) return;
      return sendError(res, body.status, body.code, body.message);
    }
    const r = await run.ingestor.ingest(body.body);
    if ('body' in r) return sendJson(res, 200, r.body);
    if (r.retryAfterMs !== undefined) res.setHeader('retry-after', String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))));
    return sendError(res, r.status, r.code, r.message, r.findings);
  }

  stats(): CollectorStats {
    this.#refreshGauges();
    const m = this.#metrics;
    const torn = m.byLabel('torn_tail_truncations_total');
    const fwd = m.byLabel('forward_batches_total');
    return {
      batchesAccepted: m.get('batches_accepted_total'),
      batchesDuplicate: m.get('batches_duplicate_total'),
      recordsAccepted: m.get('records_accepted_total'),
      bytesAccepted: m.get('bytes_accepted_total'),
      rejects: m.byLabel('rejects_total'),
      gaps: m.get('gaps_total'),
      gapsFilled: m.get('gaps_filled_total'),
      gapBatches: m.get('gap_batches'),
      equivocations: m.get('equivocations_total'),
      chainConflicts: m.get('chain_conflicts_total'),
      streams: m.get('streams'),
      storageBytes: m.get('storage_bytes'),
      tornTailTruncations: Object.values(torn).reduce((a, b) => a + b, 0),
      commits: m.get('commits_total'),
      fsyncs: m.get('fsyncs_total'),
      tlogSize: m.get('tlog_size'),
      checkpointSize: m.get('checkpoint_size'),
      forward: { ok: fwd.ok ?? 0, retries: fwd.retry ?? 0, deadLettered: fwd.dead_letter ?? 0, pendingBatches: m.get('forward_pending_batches') },
      storageFailed: m.get('storage_failed') === 1,
      inFlight: this.#inFlight,
    };
  }

  #refreshGauges(): void {
    const run = this.#run;
    const m = this.#metrics;
    m.set('requests_in_flight', this.#inFlight);
    if (run === null) return;
    let missing = 0;
    for (const s of run.storage.streams.values()) missing += s.missing;
    m.set('gap_batches', missing);
    m.set('streams', run.storage.streams.size);
    m.set('storage_bytes', run.storage.storageBytes());
    m.set('tlog_size', run.storage.tree.size);
  }

  metrics(): string {
    this.#refreshGauges();
    return this.#metrics.render();
  }

  async checkpoint(): Promise<SignedCheckpoint> {
    const run = this.#run;
    if (run === null) throw new LogSealError('LOGSEAL_ERR_COLLECTOR_LISTEN', 'the collector is not running');
    return run.tlog.current();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    const run = this.#run;
    if (server !== null) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
      server.closeAllConnections();
      await closed;
    }
    if (run !== null) {
      run.tlog.stop();
      if (run.storage.failed === null && run.storage.tree.size > 0) {
        try {
          await run.tlog.current();
        } catch (err) {
          this.#logger.error('checkpoint_failed', { error: (err as Error).message });
        }
      }
    }
    await this.#forwarder?.close();
    if (run !== null) await run.storage.close();
    this.#logger.info('closed', {});
  }
}
