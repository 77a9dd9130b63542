/**
 * A recording HTTP sink on 127.0.0.1 (port 0) for forwarding tests: keeps every request
 * (body gunzipped when needed) and answers with `answer(req)` (default 200).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface SinkRequest {
  index: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface RecordingSink {
  url: string;
  requests: SinkRequest[];
  /** Bodies of requests answered 2xx. */
  accepted(): SinkRequest[];
  answer: (req: SinkRequest) => number;
  stop(): Promise<void>;
}

export async function startSink(answer: (req: SinkRequest) => number = () => 200): Promise<RecordingSink> {
  const sockets = new Set<Socket>();
  const sink: RecordingSink = {
    url: '',
    requests: [],
    accepted: () => sink.requests.filter((r) => r.status >= 200 && r.status < 300),
    answer,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const rec: SinkRequest = {
        index: sink.requests.length, method: req.method ?? '', url: req.url ?? '', headers: req.headers,
        body: (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'), status: 0,
      };
      rec.status = sink.answer(rec);
      sink.requests.push(rec);
      res.writeHead(rec.status, { 'content-type': 'application/json' });
      res.end(rec.status < 300 ? '{"ok":true}' : `{"error":${rec.status}}`);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  sink.url = `http://127.0.0.1:${addr.port}`;
  return sink;
}
