/**
 * What is shipped for one winston `info` object (issue 5: "the record shipped is what
 * winston's format produced for this transport").
 *
 * winston-transport hands log() the info AFTER the logger's format and this transport's own
 * format (as a shallow copy when the transport has a format; as the very object every other
 * transport also sees when it has none). The record is:
 *
 *   - the info's own enumerable STRING keys, as the formats left them (level, message,
 *     timestamp, stack, metadata...). Symbol keys are winston's bookkeeping and are not
 *     shipped: Symbol.for('splat') holds the raw extra arguments (already merged into the
 *     info by winston, or into the message by format.splat()).
 *   - `level` is the plain level name, Symbol.for('level'), whenever a format rewrote the
 *     string key (format.colorize() puts ANSI escapes into info.level, format.padLevels()
 *     spaces): the level is a field to query on, not terminal decoration.
 *   - `message` is info.message as the formats left it. The formatted line,
 *     Symbol.for('message') (what format.json/printf/simple/logstash produced for a console
 *     or file), is a rendering of the same fields: it is shipped only with the option
 *     `formatted: true`, as the field `formatted`. By default it is not, because with
 *     format.json() it is the whole record again as one string, doubling every record, and a
 *     secret inside a JSON string escapes key-name redaction rules (`password` is a key in
 *     the record, but only text in the line).
 *
 * The info is never mutated: when nothing needs changing the info itself is the record (the
 * pipeline and the serialiser only read it); otherwise a shallow copy is made.
 */

/** triple-beam's symbols, by their registered names (no runtime dependency on triple-beam). */
export const LEVEL = Symbol.for('level');
export const MESSAGE = Symbol.for('message');

export type Info = Record<string | symbol, unknown>;

/** The record for `info`; `info` itself when it needs no change. */
export function recordOf(info: Info, formatted: boolean): Record<string, unknown> {
  const level = info[LEVEL];
  const fixLevel = typeof level === 'string' && info['level'] !== level;
  const line = formatted ? info[MESSAGE] : undefined;
  if (!fixLevel && line === undefined) return info as Record<string, unknown>;
  // A null-prototype copy: an own key named `__proto__` stays a key, never a prototype.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(info)) out[k] = info[k];
  if (fixLevel) out['level'] = level;
  if (line !== undefined) out['formatted'] = line;
  return out;
}
