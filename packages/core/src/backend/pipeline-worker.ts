/**
 * Thread mode, worker side: owns @logseal/core's pipeline and feeds it the records the
 * producer's thread (thread-backend.ts) posts prepared: redacted, as canonical body text (protocol.ts). Messages are handled strictly in
 * order, one at a time: a flush or close posted after some records covers those records.
 *
 * Backpressure: pipeline.write() returning false ('block' policy at the memory or spool cap)
 * makes this loop await drained() before the next record, so the queue between the threads
 * grows and the producer holds its writes back (winston's log() callbacks, pino's stream writes) (thread-backend.ts).
 *
 * Exit: when the pipeline is closed (or cannot be built, or a message fails fatally) ctl[CLOSED]
 * is set and notified, which is what the producer's 'exit' hook blocks on.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createPipeline, type Pipeline } from '../pipeline.js';
import type { PipelineOptions } from '../delivery/pipeline-options.js';
import { CTL_CLOSED, CTL_WAITING, toWire, type FromWorker, type ToWorker, type WorkerInit } from './protocol.js';
import { watchDelivery } from './warnings.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const ctl = new Int32Array(init.ctl);
const taken = new BigInt64Array(init.taken);

const post = (m: FromWorker): void => port.postMessage(m);

function markClosed(): void {
  Atomics.store(ctl, CTL_CLOSED, 1);
  Atomics.notify(ctl, CTL_CLOSED);
}

/** Structured clone turns Buffers into plain Uint8Arrays; node:tls wants Buffers back. */
function revive(o: PipelineOptions): PipelineOptions {
  const tls = o.http?.tls;
  if (tls === undefined) return o;
  const buf = (v: unknown): unknown => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);
  const t = { ...tls } as Record<string, unknown>;
  for (const k of ['ca', 'cert', 'key']) t[k] = Array.isArray(t[k]) ? (t[k] as unknown[]).map(buf) : buf(t[k]);
  return { ...o, http: { ...o.http, tls: t as typeof tls } };
}

// Pipeline warnings (delivery errors, a torn spool write) are process warnings in this thread:
// pass them to the application's thread, which emits them on the transport's 'warn'.
process.on('warning', (w: Error & { code?: string }) => {
  if (typeof w.code === 'string' && w.code.startsWith('LOGSEAL_WARN')) post({ t: 'warn', error: toWire(w) });
});

/** Builds the pipeline and serves messages; returns at once (ending the thread) if it cannot be built. */
function start(): void {
  // Linux keeps a nice value per thread (setpriority(2), NOTES): pid 0 is this thread alone.
  if (init.nice > 0 && process.platform === 'linux') {
    try {
      setPriority(0, Math.min(19, getPriority(0) + init.nice));
    } catch {
      // Not permitted or not supported: run at the inherited priority.
    }
  }
  let pipeline: Pipeline;
  try {
    // Records come redacted from the producer's thread (thread-backend.ts).
    pipeline = createPipeline(revive(init.options), { prepared: true });
  } catch (err) {
    // Options were checked in the application's thread; what fails here needs I/O (a spool held
    // by another process, an unreadable state file). The transport emits it as 'error'.
    post({ t: 'fatal', error: toWire(err) });
    markClosed();
    port.unref(); // nothing else keeps this thread alive: it ends once the message is out
    return;
  }
  const unwatch = watchDelivery(pipeline.sid, (w) => post({ t: 'warn', error: toWire(w) }));
  post({ t: 'ready', sid: pipeline.sid });

  const queue: ToWorker[] = [];
  let running = false;
  let closed = false;
  let closeRequested = false;
  let requestClose: () => void = () => undefined;
  const closeRequest = new Promise<void>((resolve) => (requestClose = resolve));

  async function handle(m: ToWorker): Promise<void> {
    switch (m.t) {
      case 'records': {
        let refused = 0;
        try {
          for (let i = 0; i < m.records.length; i++) {
            if (closed) {
              refused++;
              continue;
            }
            let ok = true;
            try {
              ok = pipeline.writePrepared({ bodyJson: m.records[i]!, ts: m.meta[2 * i]!, redactions: m.meta[2 * i + 1]! });
            } catch (err) {
              refused++;
              post({ t: 'warn', error: toWire(err) });
            }
            // Under 'block', wait for room; a close request ends the waiting (the records still
            // queued go in over the cap, at most queueBytes, rather than be lost at exit).
            if (!ok && !closeRequested) await Promise.race([pipeline.drained(), closeRequest]);
          }
        } finally {
          // Taken (or refused): either way these bytes no longer wait between the threads.
          Atomics.add(taken, 1, BigInt(m.records.length));
          Atomics.add(taken, 0, BigInt(m.bytes));
          if (Atomics.load(ctl, CTL_WAITING) === 1) {
            Atomics.store(ctl, CTL_WAITING, 0);
            post({ t: 'drain' });
          }
        }
        if (refused > 0) {
          post({ t: 'warn', error: { name: 'LogSealWarning', code: 'LOGSEAL_WARN_AFTER_CLOSE', message: `LogSeal: ${refused} record(s) not shipped (pipeline closed or record refused)` } });
        }
        return;
      }
      case 'flush':
        await pipeline.flush();
        return post({ t: 'reply', id: m.id });
      case 'close': {
        closed = true;
        const result = await pipeline.close();
        unwatch();
        post({ t: 'reply', id: m.id, value: { result, stats: pipeline.stats() } });
        markClosed();
        // Nothing more will come: let this thread's event loop run dry (after the reply is out)
        // and the thread end. close() would drop messages still queued.
        port.unref();
        return;
      }
    }
  }

  async function run(): Promise<void> {
    running = true;
    try {
      for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
        try {
          await handle(m);
        } catch (err) {
          // A request failed (an I/O error the pipeline did not absorb): answer it, keep going.
          if (m.t === 'records') post({ t: 'warn', error: toWire(err) });
          else post({ t: 'reply', id: m.id, error: toWire(err) });
          if (m.t === 'close') markClosed();
        }
      }
    } finally {
      running = false;
    }
  }

  port.on('message', (m: ToWorker) => {
    // Counters are answered at once, not behind records waiting for room under 'block'.
    if (m.t === 'stats') return post({ t: 'reply', id: m.id, value: pipeline.stats() });
    if (m.t === 'close') {
      closeRequested = true;
      requestClose();
    }
    queue.push(m);
    if (!running) void run();
  });
}

start();
