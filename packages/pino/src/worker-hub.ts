/**
 * The worker side of a small request channel between the application's thread and the
 * LogSeal transports running in pino's worker thread: `flush` and `stats` (issue 5).
 *
 * Why: with a single target, thread-stream's flush(cb) reaches our stream's flush() (see
 * flush in transport.ts). Inside `targets: [...]` the worker's destination is pino's own
 * multistream (pino/lib/worker.js), which has no flush, so logger.flush(cb) only waits for the
 * worker to read the bytes; and pipeline counters live in the worker. The main thread asks
 * through the ThreadStream: `stream.emit('message', m)` is posted to the worker (that is how
 * pino sends PINO_CONFIG), and the worker answers with thread-stream's EVENT message, which
 * the ThreadStream re-emits as an event in the main thread (thread-stream/index.js
 * onWorkerMessage, case 'EVENT').
 *
 * State: one member set per worker thread, because there is one parentPort per thread and
 * several LogSeal targets may share it; it exists only while a member does (created by the
 * first transport, dropped with the last), never at import time.
 */
import { parentPort } from 'node:worker_threads';

export const REQUEST_CODE = 'LOGSEAL_REQUEST';
export const REPLY_EVENT = 'logseal:reply';

export type HubOp = 'flush' | 'stats';

export interface HubRequest {
  code: typeof REQUEST_CODE;
  id: string;
  op: HubOp;
}

export interface HubReply {
  id: string;
  /** 'ack' (flush only): the request arrived; `count` transports are flushing. 'done': finished. */
  phase: 'ack' | 'done';
  count: number;
  stats?: unknown[];
  /** Messages of failed flushes (flush only). */
  errors?: string[];
}

export interface HubMember {
  flush(): Promise<void>;
  stats(): Promise<unknown>;
}

let members: Set<HubMember> | undefined;

function post(reply: HubReply): void {
  parentPort?.postMessage({ code: 'EVENT', name: REPLY_EVENT, args: [reply] });
}

function onMessage(msg: unknown): void {
  const m = msg as Partial<HubRequest> | null;
  if (m === null || typeof m !== 'object' || m.code !== REQUEST_CODE || typeof m.id !== 'string') return;
  const list = [...(members ?? [])];
  const id = m.id;
  if (m.op === 'stats') {
    void Promise.all(list.map((x) => x.stats())).then(
      (stats) => post({ id, phase: 'done', count: list.length, stats }),
      () => post({ id, phase: 'done', count: list.length, stats: [] }),
    );
  } else if (m.op === 'flush') {
    post({ id, phase: 'ack', count: list.length });
    void Promise.allSettled(list.map((x) => x.flush())).then((rs) => {
      const errors = rs.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
      post({ id, phase: 'done', count: list.length, ...(errors.length > 0 ? { errors } : {}) });
    });
  }
}

/** Adds a transport to this thread's channel (no-op on the main thread). Returns its removal. */
export function joinHub(member: HubMember): () => void {
  const port = parentPort;
  if (port === null) return () => undefined;
  if (members === undefined) {
    members = new Set();
    port.on('message', onMessage);
  }
  members.add(member);
  return () => {
    if (members === undefined || !members.delete(member)) return;
    if (members.size === 0) {
      port.off('message', onMessage);
      members = undefined;
    }
  };
}
