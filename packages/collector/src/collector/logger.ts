/**
 * The collector's own structured log: one JSON object per line on a writable stream
 * ({"time":<ms>,"level":"warn","event":"torn_tail_truncated",...}). Events carry ids,
 * counts, codes and paths, never a record body, a seal's authenticators or key material:
 * callers pass only such fields, and `safe()` drops anything that is not a scalar or a
 * short list of scalars, so a careless call cannot dump an object graph into the log.
 */
import { invalid, optObject } from './validate.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface LoggerOptions {
  /** Where lines go (default process.stderr). */
  stream?: { write(chunk: string): unknown };
  /** Lowest level written (default 'info'). */
  level?: LogLevel;
}

export type LogFields = Record<string, string | number | boolean | null | undefined | readonly (string | number)[]>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const MAX_STRING = 512;

function safe(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (fields === undefined) return out;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || k === 'time' || k === 'level' || k === 'event') continue;
    if (typeof v === 'string') out[k] = v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}...` : v;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
    else if (Array.isArray(v)) out[k] = v.slice(0, 32).filter((x) => typeof x === 'string' || typeof x === 'number');
  }
  return out;
}

/** `false` turns logging off. */
export function createLogger(options: LoggerOptions | false | undefined, clock: () => number): Logger {
  let write: ((line: string) => void) | null = null;
  let min = 1;
  if (options !== false) {
    const o = optObject<LoggerOptions>('logger', options, ['stream', 'level']) ?? {};
    const stream = o.stream ?? process.stderr;
    if (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function') invalid('logger.stream', 'a writable stream');
    if (o.level !== undefined && !LEVELS.includes(o.level)) invalid('logger.level', `one of ${LEVELS.join(', ')}`, o.level);
    min = LEVELS.indexOf(o.level ?? 'info');
    write = (line) => {
      try {
        stream.write(line);
      } catch {
        /* a broken log stream must not take the collector down */
      }
    };
  }
  const log = (level: LogLevel, event: string, fields?: LogFields): void => {
    if (write === null || LEVELS.indexOf(level) < min) return;
    write(`${JSON.stringify({ time: clock(), level, event, ...safe(fields) })}\n`);
  };
  return {
    log,
    debug: (e, f) => log('debug', e, f),
    info: (e, f) => log('info', e, f),
    warn: (e, f) => log('warn', e, f),
    error: (e, f) => log('error', e, f),
  };
}
