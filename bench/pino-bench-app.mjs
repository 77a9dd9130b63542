// One measured application for bench/pino-transport.mjs, run in its own process (peak RSS is
// per process): pino with one transport in pino's worker thread, logging the bench record mix.
//
//   node bench/pino-bench-app.mjs <transport> rate  <sinkUrl> <N> <rounds>
//   node bench/pino-bench-app.mjs <transport> burst <sinkUrl> <N>
//
// rate:  log N records per round in slices of 1000 (yielding between slices, as a server does
//        between requests); measure main-thread busy time (event-loop utilisation `active`)
//        until the last slice is handed to pino's ThreadStream, then wait for the sink to count
//        all N (or to stop growing for 7 s): delivered records per second. Prints one JSON line.
// burst: log N records in one synchronous loop, as fast as possible, then return: pino's exit
//        hook ends the transport. The orchestrator counts what arrived.
import { performance } from 'node:perf_hooks';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { exportKeys, generateKeys } from '@logseal/core';
import { recordMix } from './lib/records.mjs';

const [name, phase, sinkUrl, nArg, roundsArg] = process.argv.slice(2);
const N = Number(nArg);
const ROUNDS = Number(roundsArg ?? '3');

function target() {
  switch (name) {
    case 'logseal':
    case 'logseal-nice10': {
      const k = exportKeys(generateKeys());
      const options = { url: sinkUrl, signingKey: k.privateKeyPem, macKey: k.macKey };
      // THREAD_NICE=n: the pipeline thread's nice value (the threadNice sweep in docs/benchmarks.md).
      if (process.env.THREAD_NICE !== undefined) options.threadNice = Number(process.env.THREAD_NICE);
      return { target: '@logseal/pino', options: name === 'logseal' ? options : { ...options, workerNice: 10 } };
    }
    case 'noop':
      return { target: new URL('./pino-noop-transport.mjs', import.meta.url).href };
    case 'pino-loki':
      return { target: 'pino-loki', options: { host: sinkUrl } };
    case 'pino-elasticsearch':
      return { target: 'pino-elasticsearch', options: { node: sinkUrl, esVersion: 8 } };
    case 'pino-elasticsearch-1mb':
      return { target: 'pino-elasticsearch', options: { node: sinkUrl, esVersion: 8, flushBytes: 1024 * 1024 } };
    case 'pino-opentelemetry-transport':
      // Endpoint from OTEL_EXPORTER_OTLP_LOGS_ENDPOINT (set by the orchestrator); default protocol http/protobuf.
      return { target: 'pino-opentelemetry-transport', options: { loggerName: 'bench' } };
    case '@axiomhq/pino':
      return { target: '@axiomhq/pino', options: { dataset: 'bench', token: 'xaat-bench-token', url: sinkUrl } };
    default:
      throw new Error(`unknown transport ${name}`);
  }
}

// The mix without the fields pino writes itself (pino would emit them twice).
const mix = recordMix(1000).map(({ level: _l, time: _t, pid: _p, hostname: _h, msg, ...rest }) => [rest, msg]);

const logger = pino(pino.transport(target()));

async function count() {
  const r = await fetch(`${sinkUrl}/_count`);
  return r.json();
}

/** Waits until the sink counted `want` records or stopped growing for `stallMs`. */
async function waitDelivered(want, stallMs = 7000) {
  let last = await count();
  let since = Date.now();
  while (last.records < want) {
    await sleep(25);
    const c = await count();
    if (c.records !== last.records) since = Date.now();
    last = c;
    if (Date.now() - since > stallMs) break;
  }
  return last;
}

function logSlice(from, to) {
  for (let i = from; i < to; i++) {
    const [obj, msg] = mix[i % 1000];
    logger.info(obj, msg);
  }
}

if (phase === 'rate') {
  // Warm up (JIT, worker start, connections), then measure.
  const base0 = (await count()).records;
  logSlice(0, 5000);
  if (name === 'noop') await new Promise((r) => logger.flush(r));
  else await waitDelivered(base0 + 5000);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const base = (await count()).records;
    const elu0 = performance.eventLoopUtilization();
    const t0 = Date.now();
    for (let i = 0; i < N; i += 1000) {
      logSlice(i, Math.min(N, i + 1000));
      await tick();
    }
    await tick(); // ThreadStream copies its buffer to the worker in a setImmediate
    const mainMs = performance.eventLoopUtilization(elu0).active;
    const c = name === 'noop' ? { records: base, lastAt: t0 } : await waitDelivered(base + N);
    const delivered = c.records - base;
    rounds.push({ mainMs, delivered, seconds: (Math.max(c.lastAt, t0 + 1) - t0) / 1000 });
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    JSON.stringify({
      name,
      mainMs: med(rounds.map((r) => r.mainMs)),
      rate: med(rounds.map((r) => r.delivered / r.seconds)),
      deliveredMin: Math.min(...rounds.map((r) => r.delivered)),
      n: N,
      rounds,
    }),
  );
} else if (phase === 'burst') {
  const t0 = Date.now();
  logSlice(0, N);
  console.log(JSON.stringify({ name, loggedMs: Date.now() - t0 }));
  // ...and return: pino's exit hook flushes and ends the transport.
}
