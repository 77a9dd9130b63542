/**
 * One pino line -> one log object for the pipeline (issue 5).
 *
 * pino-abstract-transport splits the byte stream into lines (split2) and calls our
 * `parseLine` for each, synchronously and in order, before the object reaches the consumer.
 * Doing the work here, rather than in the `unknown` event pino-abstract-transport emits for
 * lines JSON.parse rejects, keeps every line in its place in the stream:
 *
 *  - a JSON object gets `levelLabel` next to its numeric `level`, from pino's level table
 *    (custom levels included; it reaches us through `expectPinoConfig`);
 *  - a line that is not JSON, or JSON that is not an object or array (`null`, `42`,
 *    `"text"`), is never dropped: it becomes `{ [messageKey]: <the raw line>, time, _nonJson:
 *    true }`, and the pipeline redacts the raw text like any string. pino-abstract-transport
 *    itself would drop `null` and emit the rest as `unknown`.
 */

/** pino's default level table (pino/lib/constants.js), used until pino sends its own. */
export const PINO_DEFAULT_LABELS: Readonly<Record<number, string>> = Object.freeze({
  10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal',
});

/** The field added to each record: the level's name, next to pino's numeric `level`. */
export const LEVEL_LABEL_KEY = 'levelLabel';
/** The marker of a record wrapped around a line that was not a JSON object. */
export const NON_JSON_KEY = '_nonJson';

/** What pino tells a transport about itself (its PINO_CONFIG message). */
export interface PinoConfigView {
  /** Level number -> name. */
  labels: Readonly<Record<number, string>>;
  messageKey: string;
  errorKey: string;
}

export interface LineCounters {
  /** Lines parsed (an empty line too: it becomes a wrapped record with an empty message). */
  lines: number;
  /** Lines that were not a JSON object or array and were wrapped. */
  nonJson: number;
}

/** pino's config message -> the view above; anything malformed falls back to pino's defaults. */
export function configView(config: unknown): PinoConfigView {
  const c = (typeof config === 'object' && config !== null ? config : {}) as { levels?: { labels?: unknown }; messageKey?: unknown; errorKey?: unknown };
  const labels = c.levels?.labels;
  return {
    labels: typeof labels === 'object' && labels !== null ? (labels as Record<number, string>) : PINO_DEFAULT_LABELS,
    messageKey: typeof c.messageKey === 'string' && c.messageKey.length > 0 ? c.messageKey : 'msg',
    errorKey: typeof c.errorKey === 'string' && c.errorKey.length > 0 ? c.errorKey : 'err',
  };
}

/**
 * Builds the parseLine function. `view()` is read per line, so a config that arrives after
 * the stream was built (in-process use: pino emits it on the stream) still applies.
 */
export function lineParser(view: () => PinoConfigView, counters: LineCounters, clock: () => number = Date.now): (line: string) => unknown {
  return (line: string): unknown => {
    counters.lines++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null) {
      counters.nonJson++;
      return { [view().messageKey]: line, time: clock(), [NON_JSON_KEY]: true };
    }
    const o = value as Record<string, unknown>;
    if (typeof o.level === 'number' && o[LEVEL_LABEL_KEY] === undefined) {
      const label = view().labels[o.level];
      if (typeof label === 'string') o[LEVEL_LABEL_KEY] = label;
    }
    return o;
  };
}
