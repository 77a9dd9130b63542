import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { Transform } from 'node:stream';
import build from 'pino-abstract-transport';
import { dispatchLines } from '../src/line-dispatch.js';

// line-dispatch.ts takes over the write path of the split2 stream pino-abstract-transport
// builds: these pin split2's line semantics (the same chunks through the untouched stream
// give the same lines) and the backpressure contract.

/** pino-abstract-transport's stream, as the transport gets it; `parseLine` wraps each line as split2 hands it over. */
const transportStream = (): Transform =>
  build(() => undefined, { parseLine: (line: string) => ({ line }), metadata: false } as never) as unknown as Transform;

function harness(opts: { accept?: () => boolean } = {}) {
  const stream = transportStream();
  const got: unknown[] = [];
  let drain: () => void = () => undefined;
  const d = dispatchLines(stream, {
    parse: (line) => line,
    deliver: (r) => {
      got.push(r);
      return opts.accept ? opts.accept() : true;
    },
    drained: () => new Promise<void>((r) => (drain = r)),
  });
  stream.resume();
  return { stream, got, d, drain: () => drain() };
}

/** What split2 alone makes of the same chunks. */
async function viaSplit2(chunks: (string | Buffer)[]): Promise<string[]> {
  const s = transportStream();
  const out: string[] = [];
  s.on('data', (o: { line: string }) => out.push(o.line));
  for (const c of chunks) s.write(c);
  s.end();
  await once(s, 'end');
  return out;
}

describe('dispatchLines', () => {
  it('splits like split2: LF and CRLF, empty lines, a last line without LF at end(), Buffers split inside a character', async () => {
    const bytes = Buffer.from('zoë\n');
    const cases: (string | Buffer)[][] = [
      ['a\nb\r\nc', '\n\n', 'tail'],
      ['\r\n', 'x\r', '\ny'],
      [bytes.subarray(0, 3), bytes.subarray(3), '東京 🚀\n'],
      ['one long line without a break'],
      ['', 'a', '', 'b\n'],
    ];
    for (const chunks of cases) {
      const h = harness();
      for (const c of chunks) h.stream.write(c);
      h.stream.end();
      await once(h.stream, 'finish');
      expect(h.got).toEqual(await viaSplit2(chunks));
    }
  });

  it('strings are not re-encoded: the write path sees the string chunk', async () => {
    const h = harness();
    const seen: unknown[] = [];
    const t = h.stream as unknown as { _transform: (c: unknown, e: string, cb: () => void) => void };
    const orig = t._transform;
    t._transform = (c, e, cb) => {
      seen.push(typeof c);
      orig(c, e, cb);
    };
    h.stream.write('a\n');
    h.stream.write(Buffer.from('b\n'));
    h.stream.end();
    await once(h.stream, 'finish');
    expect(seen).toEqual(['string', 'object']);
    expect(h.got).toEqual(['a', 'b']);
  });

  it('holds the write callback while the pipeline is full, so write() returns false; drained() lets it go', async () => {
    let full = true;
    const h = harness({ accept: () => !full });
    h.stream.write('r1\n');
    await new Promise((r) => setImmediate(r));
    expect(h.d.waiting).toBe(true);
    // The Writable buffers further writes until the callback comes.
    const big = 'x'.repeat(20_000) + '\n';
    expect(h.stream.write(big)).toBe(false);
    expect(h.got).toEqual(['r1']);
    full = false;
    h.drain();
    await once(h.stream, 'drain');
    expect(h.d.waiting).toBe(false);
    expect(h.got).toEqual(['r1', big.slice(0, -1)]);
  });

  it('release() lets a held write go and later ones through at once (end(): nothing waits)', async () => {
    const h = harness({ accept: () => false });
    h.stream.write('a\n');
    await new Promise((r) => setImmediate(r));
    expect(h.d.waiting).toBe(true);
    h.d.release();
    expect(h.d.waiting).toBe(false);
    h.stream.write('b\n');
    h.stream.end('c');
    await once(h.stream, 'finish');
    expect(h.got).toEqual(['a', 'b', 'c']);
  });

  it('a deliver() that throws fails the stream with that error', async () => {
    const stream = transportStream();
    const boom = new Error('boom');
    dispatchLines(stream, { parse: (l) => l, deliver: () => { throw boom; }, drained: async () => undefined });
    stream.resume();
    const err = once(stream, 'error');
    stream.write('x\n');
    expect((await err)[0]).toBe(boom);
  });
});
