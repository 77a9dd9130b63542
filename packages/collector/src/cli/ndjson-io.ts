/** Line-oriented stdin/stdout helpers shared by the filter commands (redact, seal, ship). */
import { createInterface } from 'node:readline';
import { once } from 'node:events';

/** Lines of a stream, CRLF tolerant, without their line ends. */
export function lines(input: NodeJS.ReadableStream): AsyncIterable<string> {
  return createInterface({ input, crlfDelay: Infinity });
}

/** A parsed JSON object, or the raw text wrapped so it is not lost (like the pino adapter does). */
export function parseLine(line: string): { value: unknown; raw: boolean } {
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return { value: v, raw: false };
  } catch {
    /* not JSON */
  }
  return { value: { msg: line, logseal_raw: true }, raw: true };
}

/** Writes with backpressure. */
export async function writeLine(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text + '\n')) await once(out, 'drain');
}
