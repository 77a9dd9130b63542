/**
 * Test harness for the collector: a collector on 127.0.0.1 (port 0) over a temporary data
 * directory, a log sink that keeps its JSON lines, raw HTTP requests (node:http, so tests
 * can send bodies no client library would), hand-sealed batches (core's StreamSealer) for
 * attacks, and verification of what was stored (core's verify over readDataDir).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeys, MemoryStateStore, StreamSealer, verify, type ChainState, type GeneratedKeys, type KeyringEntry, type VerifyReport } from '@logseal/core';
import { createCollector, type Collector, type CollectorAddress } from '../../src/collector/collector.js';
import type { CollectorOptions } from '../../src/collector/options.js';
import { readDataDir } from '../../src/collector/data-dir.js';

let shared: GeneratedKeys | undefined;
/** One producer key set for the whole test file (key generation is cheap, but ids stay stable). */
export function producerKeys(): GeneratedKeys {
  shared ??= generateKeys();
  return shared;
}

export function keyring(keys: GeneratedKeys = producerKeys()): KeyringEntry[] {
  return [{ publicKey: keys.publicKey, macKey: keys.macKey }];
}

const dirs: string[] = [];
export function tempDir(prefix = 'logseal-collector-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface LogSink {
  lines: Record<string, unknown>[];
  stream: { write(chunk: string): boolean };
  events(name: string): Record<string, unknown>[];
}
export function logSink(): LogSink {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    stream: {
      write(chunk: string) {
        for (const l of chunk.split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        return true;
      },
    },
    events: (name) => lines.filter((l) => l.event === name),
  };
}

export interface Running {
  collector: Collector;
  address: CollectorAddress;
  dataDir: string;
  logs: LogSink;
}

const running: Collector[] = [];
export async function startCollector(options: Partial<CollectorOptions> = {}): Promise<Running> {
  const logs = logSink();
  const dataDir = options.dataDir ?? tempDir();
  const collector = createCollector({ dataDir, port: 0, keys: keyring(), logger: { stream: logs.stream, level: 'debug' }, checkpointIntervalMs: 0, ...options });
  running.push(collector);
  const address = await collector.listen();
  return { collector, address, dataDir, logs };
}
export async function stopCollectors(): Promise<void> {
  await Promise.allSettled(running.splice(0).map((c) => c.close()));
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One HTTP request with node:http (a fresh connection each time). */
export function send(url: string, options: { method?: string; body?: string | Buffer; headers?: Record<string, string | number> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

export function postBatch(r: Running, body: string | Buffer, headers: Record<string, string | number> = {}): Promise<Answer> {
  return send(r.address.batchesUrl, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', ...headers } });
}

export function logBody(i: number): Record<string, unknown> {
  return { level: 30, msg: `request ${i} done`, req: { id: i, url: `/api/items/${i % 7}` }, ms: i % 100 };
}

/** A hand-driven producer: seal batches one by one and get each as an NDJSON body. */
export class Producer {
  readonly store = new MemoryStateStore();
  readonly sealer: StreamSealer;
  #n = 0;
  constructor(options: { keys?: GeneratedKeys; sid?: string; state?: ChainState; mac?: boolean; sign?: boolean } = {}) {
    const keys = options.keys ?? producerKeys();
    let t = 1_767_225_600_000;
    this.sealer = new StreamSealer({
      ...(options.sign === false ? {} : { signingKey: keys.privateKey }),
      ...(options.mac === false ? {} : { macKey: keys.macKey }),
      ...(options.sid === undefined ? {} : { sid: options.sid }),
      ...(options.state === undefined ? {} : { state: options.state }),
      stateStore: this.store,
      clock: () => t++,
      service: 'test',
    });
  }
  get sid(): string {
    return this.sealer.sid;
  }
  /** The next batch of `records` records (0: a heartbeat) as its NDJSON body lines. */
  lines(records: number, final = false): string[] {
    const out: string[] = [];
    for (let i = 0; i < records; i++) out.push(this.sealer.append(logBody(this.#n++)).json);
    out.push(this.sealer.seal({ final }).json);
    return out;
  }
  batch(records: number, final = false): string {
    return `${this.lines(records, final).join('\n')}\n`;
  }
  /** The chain state after the last seal (to fork the stream: two producers from one state). */
  state(): ChainState {
    return this.store.load()!;
  }
}

export async function verifyStored(dataDir: string, keys: KeyringEntry[] = keyring()): Promise<VerifyReport> {
  return verify(readDataDir(dataDir), { keys, canonical: true });
}

export function body(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Resolves when `check` is true (polled); rejects after `ms` of real time (a hang guard, not a timing assertion). */
export async function until(check: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
