/**
 * A real node:http sink on 127.0.0.1 (port 0) for delivery tests (issue 4). Each request
 * is answered by the next queued Reply, else by the default (a Reply, a function of the
 * request, or seeded random misbehaviour). It records every request (body gunzipped when
 * content-encoding is gzip), counts TCP connections, and stop() destroys every socket and
 * timer so a test never leaves it running.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type Reply =
  /** An HTTP answer (default 200 with {"ok":true}); `delayMs` before the status line (a slow sink). */
  | { status?: number; body?: string | Buffer; headers?: Record<string, string | number>; delayMs?: number }
  /** Reads the request, then destroys the socket with no answer (ECONNRESET / "other side closed"). */
  | { reset: true; delayMs?: number }
  /** Reads the request, then writes bytes that are not HTTP and closes. */
  | { garbage: string | Buffer; delayMs?: number }
  /** 200 with a chunked body of `hugeBody` bytes, streamed with backpressure until done or the client leaves. */
  | { hugeBody: number; status?: number }
  /** Never answers (until stop()). */
  | { hang: true };

export interface ReceivedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Body as text (gunzipped when content-encoding: gzip). */
  body: string;
  /** Body bytes as received on the wire. */
  wireBytes: number;
  /** Set when a gzip body did not decompress. */
  decodeError?: string;
  /** Id of the TCP connection it came on (1-based, in accept order). */
  connection: number;
  /** What the sink did: 'status' (with status), 'reset', 'garbage', 'huge', 'hang'. */
  answer: 'status' | 'reset' | 'garbage' | 'huge' | 'hang';
  status?: number;
}

export type ReplyFn = (req: ReceivedRequest) => Reply;

export interface MisbehaviourWeights {
  ok?: number;
  error500?: number;
  throttle429?: number;
  reset?: number;
  slow?: number;
  garbage?: number;
}

export interface TestSinkOptions {
  /** Answer when the queue is empty (default: 200 {"ok":true}). */
  default?: Reply | ReplyFn;
  /** Random misbehaviour with this seed instead of a fixed default (reproducible runs). */
  seed?: number;
  weights?: MisbehaviourWeights;
}

export interface TestSink {
  readonly url: string;
  readonly port: number;
  readonly requests: readonly ReceivedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Requests answered with a 2xx status. */
  accepted(): ReceivedRequest[];
  /** Queues replies for the next requests, in order. */
  reply(...replies: Reply[]): void;
  setDefault(d: Reply | ReplyFn): void;
  /** Switches the default to seeded random misbehaviour. */
  misbehave(seed: number, weights?: MisbehaviourWeights): void;
  stop(): Promise<void>;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomReplies(seed: number, w: MisbehaviourWeights = {}): ReplyFn {
  const rnd = mulberry32(seed);
  const table: [number, () => Reply][] = [
    [w.ok ?? 0.6, () => ({ status: 200 })],
    [w.error500 ?? 0.1, () => ({ status: 500, body: 'internal error' })],
    [w.throttle429 ?? 0.1, () => ({ status: 429, headers: { 'retry-after': '0' }, body: 'slow down' })],
    [w.reset ?? 0.1, () => ({ reset: true })],
    [w.slow ?? 0.05, () => ({ status: 200, delayMs: 5 + Math.floor(rnd() * 45) })],
    [w.garbage ?? 0.05, () => ({ garbage: 'NOT HTTP AT ALL\r\n\r\n' })],
  ];
  const total = table.reduce((s, [p]) => s + p, 0);
  return () => {
    let r = rnd() * total;
    for (const [p, make] of table) {
      if (r < p) return make();
      r -= p;
    }
    return { status: 200 };
  };
}

export async function startTestSink(options: TestSinkOptions = {}): Promise<TestSink> {
  const requests: ReceivedRequest[] = [];
  const queue: Reply[] = [];
  const sockets = new Map<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  let stopped = false;
  let dflt: Reply | ReplyFn = options.seed === undefined ? (options.default ?? { status: 200 }) : randomReplies(options.seed, options.weights);

  const later = (ms: number, f: () => void): void => {
    if (ms <= 0) return f();
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) f();
    }, ms);
    timers.add(t);
  };

  const answer = (res: ServerResponse, socket: Socket, rec: ReceivedRequest, reply: Reply): void => {
    if ('hang' in reply) {
      rec.answer = 'hang';
      return;
    }
    if ('reset' in reply) {
      rec.answer = 'reset';
      return later(reply.delayMs ?? 0, () => socket.destroy());
    }
    if ('garbage' in reply) {
      rec.answer = 'garbage';
      return later(reply.delayMs ?? 0, () => socket.end(reply.garbage));
    }
    if ('hugeBody' in reply) {
      rec.answer = 'huge';
      rec.status = reply.status ?? 200;
      res.writeHead(rec.status, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x7b); // '{{{{...': large and not JSON
      let left = reply.hugeBody;
      const pump = (): void => {
        while (left > 0 && !res.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      return pump();
    }
    rec.answer = 'status';
    rec.status = reply.status ?? 200;
    const status = rec.status;
    const body = reply.body ?? (status >= 200 && status < 300 ? '{"ok":true}' : `error ${status}`);
    later(reply.delayMs ?? 0, () => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'text/plain', ...(reply.headers ?? {}) });
      res.end(body);
    });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const rec: ReceivedRequest = {
        index: requests.length,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: '',
        wireBytes: raw.length,
        connection: sockets.get(req.socket) ?? 0,
        answer: 'status',
      };
      try {
        rec.body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      } catch (err) {
        rec.decodeError = (err as Error).message;
      }
      requests.push(rec);
      const reply = queue.shift() ?? (typeof dflt === 'function' ? dflt(rec) : dflt);
      answer(res, req.socket, rec, reply);
    });
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.set(s, connections);
    s.on('close', () => sockets.delete(s));
  });
  // A client reset must not surface as an unhandled 'clientError' crash.
  server.on('clientError', (_err, s) => s.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('test sink: no TCP address');
  const port = addr.port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return connections;
    },
    accepted: () => requests.filter((r) => r.answer === 'status' && r.status !== undefined && r.status >= 200 && r.status < 300),
    reply: (...r) => void queue.push(...r),
    setDefault: (d) => void (dflt = d),
    misbehave: (seed, weights) => void (dflt = randomReplies(seed, weights)),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets.keys()) s.destroy();
      await closed;
    },
  };
}
