// The measured application of bench/winston-transport.mjs: one winston logger with one
// transport (argv[2]), logging into the counting sink on port argv[3]. Driven by the parent
// over IPC so that each transport runs in a fresh process of its own:
//   parent -> {t:'warm', n}   log n records (JIT, sockets, worker start-up), flush, answer {t:'warmed'}
//   parent -> {t:'go', n}     log n records in slices of SLICE with a yield between slices (a busy
//                             server, not one synchronous loop), flush if the transport can, and
//                             answer {t:'logged', t0, logMs}; t0 is the wall clock of the first call
//   parent -> {t:'stop'}      (the sink has counted everything) answer {t:'result', ...} and exit
// Main-thread CPU is read from /proc/self/task/<pid>/schedstat (ns on the CPU for the main
// thread only: the pipeline worker's CPU is not in it, and time spent waiting for a core on a
// loaded machine is not either); whole-process CPU from process.cpuUsage(); peak RSS is VmHWM.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import winston from 'winston';
import TransportStream from 'winston-transport';
import LokiTransport from 'winston-loki';
import { LogSealTransport } from '@logseal/winston';
import { exportKeys, generateKeys } from '@logseal/core';
import { recordMix } from './lib/records.mjs';

const [, , name, port] = process.argv;
const SLICE = 1000;
const base = `http://127.0.0.1:${port}`;
const LEVELS = { 30: 'info', 40: 'warn', 50: 'error' };

function mainThreadCpuNs() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

function peakRssMb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
  } catch {
    return process.resourceUsage().maxRSS / 1024;
  }
}

class NoopTransport extends TransportStream {
  log(_info, callback) {
    callback();
  }
}

function transport() {
  const keys = exportKeys(generateKeys());
  const logseal = { url: `${base}/logseal`, signingKey: keys.privateKeyPem, macKey: keys.macKey, service: 'bench', heartbeatMs: 0 };
  const http = (batchCount) => new winston.transports.Http({ host: '127.0.0.1', port: Number(port), path: '/http', batch: true, batchCount });
  switch (name) {
    case 'noop':
      return new NoopTransport();
    case 'logseal-thread':
      return new LogSealTransport({ ...logseal, thread: true });
    case 'logseal-inline':
      return new LogSealTransport({ ...logseal, thread: false });
    case 'winston-http-10':
      return http(10);
    case 'winston-http-100':
      return http(100);
    case 'winston-http-1000':
      return http(1000);
    case 'winston-loki':
      return new LokiTransport({ host: base, json: true, labels: { app: 'bench' }, interval: 1, onConnectionError: (e) => process.stderr.write(`loki: ${e}\n`) });
    default:
      throw new Error(`unknown transport ${name}`);
  }
}

const t = transport();
t.on('warn', (w) => process.stderr.write(`${name} warn: ${w?.message ?? w}\n`));
t.on('error', (e) => process.stderr.write(`${name} error: ${e?.message ?? e}\n`));
const logger = winston.createLogger({ level: 'info', format: winston.format.timestamp(), transports: [t] });

// The shared record mix (bench/lib/records.mjs) as winston info literals { level, message, ...fields }.
// A pool of POOL distinct records is cycled, each use with its own `time` and `n`, so no two
// logged records are equal; a fresh top-level object per call (winston adds its symbols to it).
const POOL = 3000;
const pool = recordMix(POOL).map(({ level, msg, ...rest }) => ({ level: LEVELS[level] ?? 'info', message: msg, ...rest }));
let offset = 0;
function slice(n) {
  const out = new Array(n);
  for (let k = 0; k < n; k++, offset++) out[k] = { ...pool[offset % POOL], time: 1_732_190_400_000 + offset, n: offset };
  return out;
}

async function logN(n) {
  for (let done = 0; done < n; done += SLICE) {
    for (const info of slice(Math.min(SLICE, n - done))) logger.log(info);
    await new Promise((r) => setImmediate(r));
  }
  if (typeof t.flush === 'function') await t.flush();
}

let cpu0 = 0;
let proc0 = null;
let elu0 = null;
process.on('message', async (m) => {
  if (m.t === 'warm') {
    await logN(m.n);
    process.send({ t: 'warmed' });
  } else if (m.t === 'go') {
    cpu0 = mainThreadCpuNs();
    proc0 = process.cpuUsage();
    elu0 = performance.eventLoopUtilization();
    const t0 = performance.timeOrigin + performance.now();
    await logN(m.n);
    process.send({ t: 'logged', t0, logMs: performance.timeOrigin + performance.now() - t0 });
  } else if (m.t === 'stop') {
    const mainCpuMs = (mainThreadCpuNs() - cpu0) / 1e6;
    const pu = process.cpuUsage(proc0);
    const elu = performance.eventLoopUtilization(elu0);
    process.send({ t: 'result', mainCpuMs, processCpuMs: (pu.user + pu.system) / 1000, eluActiveMs: elu.active, rssMb: peakRssMb() });
    // Shut down as a winston application would; the parent does not wait for it.
    logger.end();
    setTimeout(() => process.exit(0), 3000).unref();
  }
});
process.send({ t: 'ready' });
