import { describe, expect, it } from 'vitest';
import { configView, lineParser, PINO_DEFAULT_LABELS, type LineCounters } from '../src/line-parser.js';

const clock = (): number => 1_700_000_000_000;

function parser(config?: unknown): { parse: (l: string) => unknown; counters: LineCounters } {
  const counters: LineCounters = { lines: 0, nonJson: 0 };
  const view = configView(config);
  return { parse: lineParser(() => view, counters, clock), counters };
}

describe('lineParser', () => {
  it('adds levelLabel from the default table and keeps the number', () => {
    const { parse } = parser();
    expect(parse('{"level":30,"msg":"hi"}')).toEqual({ level: 30, levelLabel: 'info', msg: 'hi' });
    expect(parse('{"level":60}')).toEqual({ level: 60, levelLabel: 'fatal' });
  });

  it('uses pino’s level table, custom levels included', () => {
    const { parse } = parser({ levels: { labels: { ...PINO_DEFAULT_LABELS, 35: 'audit' }, values: {} }, messageKey: 'message', errorKey: 'error' });
    expect(parse('{"level":35}')).toEqual({ level: 35, levelLabel: 'audit' });
  });

  it('leaves a record alone when the level is unknown, a string, or levelLabel is already set', () => {
    const { parse } = parser();
    expect(parse('{"level":33}')).toEqual({ level: 33 });
    expect(parse('{"level":"info"}')).toEqual({ level: 'info' });
    expect(parse('{"level":30,"levelLabel":"mine"}')).toEqual({ level: 30, levelLabel: 'mine' });
  });

  it('wraps a line that is not JSON under the messageKey, marked and counted', () => {
    const { parse, counters } = parser({ messageKey: 'message' });
    expect(parse('plain text password=x')).toEqual({ message: 'plain text password=x', time: 1_700_000_000_000, _nonJson: true });
    expect(parse('{"truncated":')).toEqual({ message: '{"truncated":', time: 1_700_000_000_000, _nonJson: true });
    expect(counters).toEqual({ lines: 2, nonJson: 2 });
  });

  it('wraps JSON that is not an object or array (null would otherwise be dropped)', () => {
    const { parse, counters } = parser();
    for (const line of ['null', '42', '"text"', 'true', '']) {
      expect(parse(line)).toEqual({ msg: line, time: 1_700_000_000_000, _nonJson: true });
    }
    expect(parse('[1,2]')).toEqual([1, 2]);
    expect(counters).toEqual({ lines: 6, nonJson: 5 });
  });

  it('falls back to pino’s defaults for a malformed config', () => {
    expect(configView({ levels: 'x', messageKey: 3 })).toEqual({ labels: PINO_DEFAULT_LABELS, messageKey: 'msg', errorKey: 'err' });
    expect(configView(null).messageKey).toBe('msg');
  });
});
