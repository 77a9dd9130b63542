/** Tiny timing helpers shared by the benchmarks: warm up, then the median of several rounds. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs fn() `rounds` times after `warmup` runs; returns the median milliseconds per run. */
export function timeMs(fn, { rounds = 7, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const xs = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(xs);
}

export async function timeMsAsync(fn, { rounds = 5, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const xs = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(xs);
}

export function machine() {
  return `${process.platform} ${process.arch}, ${await_cpus()}, Node ${process.version}`;
}

import { cpus } from 'node:os';
function await_cpus() {
  const c = cpus();
  return `${c.length} x ${c[0]?.model ?? 'cpu'}`;
}
