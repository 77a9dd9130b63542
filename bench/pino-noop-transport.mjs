// The baseline of bench/pino-transport.mjs: a pino-abstract-transport target that parses
// each line (as every transport built on it does) and does nothing else.
import build from 'pino-abstract-transport';

export default async function noop() {
  return build(async (source) => {
    for await (const obj of source) void obj;
  });
}
