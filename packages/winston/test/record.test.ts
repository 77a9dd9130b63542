import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { LEVEL, MESSAGE, recordOf } from '../src/record.js';

// What is shipped for one winston info (src/record.ts), against winston's real formats.

function formatted(format: winston.Logform.Format, info: Record<string | symbol, unknown>): Record<string | symbol, unknown> {
  return format.transform({ ...info } as winston.Logform.TransformableInfo, format.options) as Record<string | symbol, unknown>;
}

describe('recordOf', () => {
  it('is the info itself when nothing needs changing (string keys only are read)', () => {
    const info = { level: 'info', message: 'hi', a: 1, [LEVEL]: 'info', [MESSAGE]: '{"level":"info"}' };
    expect(recordOf(info, false)).toBe(info);
  });

  it('format.colorize(): the record carries the plain level name from Symbol.for("level")', () => {
    const info = formatted(winston.format.combine(winston.format.colorize({ all: false }), winston.format.simple()), { level: 'warn', message: 'hot', [LEVEL]: 'warn', n: 1 });
    expect(info.level).toMatch(/\u001b\[/);
    const rec = recordOf(info, false);
    expect(rec).not.toBe(info);
    expect(rec).toEqual({ level: 'warn', message: 'hot', n: 1 });
    expect(info.level).toMatch(/\u001b\[/); // the info is not changed
  });

  it('formatted: true ships Symbol.for("message") as `formatted`; false does not', () => {
    const info = formatted(winston.format.printf((i) => `${String(i.level)}: ${String(i.message)}`), { level: 'info', message: 'hello', [LEVEL]: 'info' });
    expect(recordOf(info, true)).toEqual({ level: 'info', message: 'hello', formatted: 'info: hello' });
    expect(Object.keys(recordOf(info, false))).not.toContain('formatted');
  });

  it('a copy keeps an own "__proto__" key as a key, never as a prototype', () => {
    const info = JSON.parse('{"level":"\\u001b[32minfo\\u001b[39m","__proto__":{"polluted":true}}') as Record<string | symbol, unknown>;
    info[LEVEL] = 'info';
    const rec = recordOf(info, false);
    expect(Object.prototype.hasOwnProperty.call(rec, '__proto__')).toBe(true);
    expect((rec as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
