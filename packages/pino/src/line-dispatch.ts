/**
 * How pino's bytes become records in the stream pino-abstract-transport built (a split2
 * Transform): lines are split, parsed and handed to the pipeline in the stream's write path,
 * instead of being pushed one by one through its readable side.
 *
 * Why: split2 splits each chunk with a regular expression and pushes every parsed line into
 * the Transform's readable buffer, which emits it as a 'data' event to our listener: three
 * stream operations per record for no benefit here (nothing reads that readable side but us).
 * bench/pino-transport.mjs worker profile: split2's transform + /\r?\n/ + Readable push/read
 * 5-6 % of the worker's time, which this path replaces with one indexOf per line.
 *
 * What stays as pino-abstract-transport and split2 made it: the stream object pino writes to
 * (its lifecycle: expectPinoConfig, `close` on destroy, autoDestroy after end), and split2's
 * line semantics: `\n` or `\r\n` ends a line, every line (an empty one too) is parsed, a last
 * line without a newline is parsed at end(), Buffers are decoded with a StringDecoder so a
 * character split across chunks survives.
 *
 * Strings are taken as they are: pino (in-process) and thread-stream's worker (which decodes
 * pino's shared buffer itself) write strings, and a Writable's default `decodeStrings: true`
 * would turn each back into a Buffer to be decoded again (measured: 11 % of the worker's
 * profile on the bench mix, where 27 % of records hold non-ASCII text).
 *
 * Backpressure: `deliver` returns false when the pipeline is over its memory cap ('block');
 * the write's callback is then held until `drained()` resolves, so the Writable buffers, its
 * write() returns false and thread-stream's worker stops advancing its read index (pino's
 * main thread then holds the lines). `release()` lets a held write go at once (end(): the
 * pipeline takes everything so close() can seal and spool it within pino's exit window).
 */
import { StringDecoder } from 'node:string_decoder';
import type { Transform } from 'node:stream';

type Callback = (err?: Error | null) => void;

export interface LineDispatch {
  /** True while a write's callback is held for backpressure. */
  readonly waiting: boolean;
  /** Lets a held write's callback go now, and every later one at once. */
  release(): void;
}

export interface LineDispatchHooks {
  /** One line (without its line break) -> the record to deliver. Must not throw. */
  parse(line: string): unknown;
  /** Hands a record to the pipeline; false when the writer should wait for `drained()`. */
  deliver(record: unknown): boolean;
  /** Resolves when the pipeline is below its memory cap again. */
  drained(): Promise<void>;
}

const CR = 13;

export function dispatchLines(stream: Transform, hooks: LineDispatchHooks): LineDispatch {
  const { parse, deliver, drained } = hooks;
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let held: Callback | null = null;
  let released = false;

  /** Parses and delivers every complete line of `text`; keeps the unfinished tail. Returns deliver()'s last false. */
  const lines = (text: string): boolean => {
    let ok = true;
    let pos = 0;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      rest = rest.length === 0 ? text : rest + text;
      return ok;
    }
    if (rest.length > 0) {
      // The unfinished line joins only its own end: `rest + text` would copy the whole chunk
      // to flatten it before the first indexOf.
      ok = line(rest + text.slice(0, nl));
      rest = '';
      pos = nl + 1;
      nl = text.indexOf('\n', pos);
    }
    for (; nl !== -1; nl = text.indexOf('\n', pos)) {
      if (!line(text.slice(pos, nl))) ok = false;
      pos = nl + 1;
    }
    if (pos < text.length) rest = text.slice(pos);
    return ok;
  };
  /** One line without its LF (a CR before it is dropped too). */
  const line = (l: string): boolean => deliver(parse(l.length > 0 && l.charCodeAt(l.length - 1) === CR ? l.slice(0, -1) : l));

  const state = (stream as unknown as { _writableState?: { decodeStrings?: boolean } })._writableState;
  if (state !== undefined) state.decodeStrings = false;

  stream._transform = (chunk: unknown, _enc: BufferEncoding, cb: Callback): void => {
    let ok: boolean;
    try {
      ok = lines(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    } catch (err) {
      cb(err as Error);
      return;
    }
    if (ok || released) {
      cb();
      return;
    }
    held = cb;
    drained().then(
      () => {
        if (held === cb) {
          held = null;
          cb();
        }
      },
      (err: Error) => {
        if (held === cb) {
          held = null;
          cb(err);
        }
      },
    );
  };

  stream._flush = (cb: Callback): void => {
    try {
      const last = rest + decoder.end();
      rest = '';
      if (last.length > 0) deliver(parse(last));
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb();
  };

  return {
    get waiting() {
      return held !== null;
    },
    release() {
      released = true;
      const cb = held;
      held = null;
      cb?.();
    },
  };
}
