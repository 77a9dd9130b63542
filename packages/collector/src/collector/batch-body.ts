/**
 * Parses a POST /v1/batches body: NDJSON (docs/format.md section 1), one batch per request,
 * its records then its seal, each line exactly the RFC 8785 form of what it holds, as the
 * sealer writes it and the 'logseal' encoder ships it. Anything else is refused here with
 * a stable code, before any signature is checked:
 *   - not UTF-8, an empty line, a line that is not JSON             -> body_not_ndjson
 *   - no lines at all                                               -> body_empty
 *   - a line that is not an object, no seal last, two seals,
 *     a seal without a usable sid / batch / kid                     -> batch_shape
 *   - an own `__proto__` key, or `constructor.prototype`, anywhere  -> prototype_poisoning
 *     (JSON.parse makes them plain own keys, but the first Object.assign or deep merge in a
 *     consumer downstream turns them into prototype pollution; refused as secure-json-parse
 *     refuses them by default)
 *   - a line that is not canonical                                  -> not_canonical
 *     (the collector stores the lines byte for byte, and `logseal verify --canonical` must
 *     pass on them: a duplicate key or reordered member is refused, not silently normalised;
 *     the seal's line is checked here, the records' lines by recordsCanonical() once
 *     checkBatch has confirmed their hashes)
 */
import { createHash } from 'node:crypto';
import { canonicalize } from '@logseal/core';
import type { RejectReason } from './metrics.js';
import { ID_PATTERN } from './validate.js';

export interface BodyProblem {
  status: 400;
  code: RejectReason;
  message: string;
  line?: number;
}

export interface ParsedBatch {
  /** The lines, without their LF. */
  lines: string[];
  /** Parsed lines (records, then the seal). */
  items: Record<string, unknown>[];
  seal: Record<string, unknown> & { sid: string; batch: number; kid: string };
  /** The batch as it is stored: every line followed by LF. */
  bytes: Buffer;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function problem(code: RejectReason, message: string, line?: number): BodyProblem {
  return line === undefined ? { status: 400, code, message } : { status: 400, code, message, line };
}

/** An own `__proto__` key, or a `constructor` object holding `prototype`, anywhere in the value. */
function poisoned(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(v, '__proto__')) return true;
    const c = (v as Record<string, unknown>).constructor;
    if (Object.prototype.hasOwnProperty.call(v, 'constructor') && typeof c === 'object' && c !== null && Object.prototype.hasOwnProperty.call(c, 'prototype')) return true;
    for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
  return false;
}

export function parseBatchBody(buf: Buffer): ParsedBatch | BodyProblem {
  if (buf.length === 0) return problem('body_empty', 'empty body: one batch (records, then its seal) expected');
  let text: string;
  try {
    text = decoder.decode(buf);
  } catch {
    return problem('body_not_ndjson', 'body is not UTF-8');
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.every((l) => l === '')) return problem('body_empty', 'no lines in the body');
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const n = i + 1;
    if (line === '') return problem('body_not_ndjson', `line ${n} is empty`, n);
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return problem('body_not_ndjson', `line ${n} is not JSON`, n);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return problem('batch_shape', `line ${n} is not a record or a seal`, n);
    // Cheap text test first: only lines that mention the names are walked.
    if ((line.includes('__proto__') || line.includes('prototype')) && poisoned(v)) {
      return problem('prototype_poisoning', `line ${n} holds a "__proto__" or "constructor.prototype" key`, n);
    }
    const o = v as Record<string, unknown>;
    if (o.type === 'seal' && i !== lines.length - 1) return problem('batch_shape', `line ${n} is a seal before the end: one batch per request`, n);
    items.push(o);
  }
  const seal = items[items.length - 1]!;
  if (seal.type !== 'seal') return problem('batch_shape', 'the last line is not a seal: a batch ends with its seal', lines.length);
  // The seal's line is checked here; the records' lines once checkBatch has confirmed their hashes (recordsCanonical).
  let canon: string | null;
  try {
    canon = canonicalize(seal);
  } catch {
    canon = null;
  }
  if (canon !== lines[lines.length - 1]) return problem('not_canonical', `line ${lines.length} (the seal) is not in RFC 8785 canonical form`, lines.length);
  if (typeof seal.sid !== 'string' || !ID_PATTERN.test(seal.sid)) return problem('batch_shape', 'the seal has no valid sid', lines.length);
  if (typeof seal.kid !== 'string' || !ID_PATTERN.test(seal.kid)) return problem('batch_shape', 'the seal has no valid kid', lines.length);
  if (typeof seal.batch !== 'number' || !Number.isSafeInteger(seal.batch) || seal.batch < 0) return problem('batch_shape', 'the seal has no valid batch number', lines.length);
  const bytes = buf[buf.length - 1] === 0x0a ? buf : Buffer.concat([buf, Buffer.from('\n')]);
  return { lines, items, seal: seal as ParsedBatch['seal'], bytes };
}

const LEAF_PREFIX = Buffer.from([0x00]);

/**
 * Are the record lines exactly RFC 8785? Call only after checkBatch accepted the batch, so
 * that every record's `h` is known to equal SHA-256(0x00 || JCS(record without h)). A
 * canonical line is '{"body":' + JCS(body) + the fixed tail of the other members, with
 * `,"h":"<h>"` in its sorted place after body; so the line is canonical exactly when it
 * ends with that tail (rebuilt from the parsed fields, which need no escaping: hex, integers
 * and a sid of [A-Za-z0-9._:-]) and the line with its h member removed hashes to h: by
 * collision resistance it is then JCS(record without h) byte for byte. One SHA-256 per
 * record instead of a second canonicalisation (about 3x cheaper on 300-600 byte records).
 * Returns the 1-based number of the first line that is not canonical, or 0.
 */
export function recordsCanonical(p: ParsedBatch): number {
  const bytes = p.bytes;
  let start = 0; // byte offset of line i in p.bytes: the hash reads the bytes, no string is re-encoded
  for (let i = 0; i < p.items.length - 1; i++) {
    const o = p.items[i]!;
    const line = p.lines[i]!;
    const end = bytes.indexOf(0x0a, start);
    const rest = `${o.kind === 'gap' ? ',"kind":"gap"' : ''},"prev":"${String(o.prev)}","seq":${String(o.seq)},"sid":"${String(o.sid)}","ts":${String(o.ts)},"v":1}`;
    const tail = `,"h":"${String(o.h)}"${rest}`;
    if (!line.startsWith('{"body":') || !line.endsWith(tail) || line.length <= tail.length + 8) return i + 1;
    // The tail is ASCII: as many bytes as characters.
    const h = createHash('sha256').update(LEAF_PREFIX).update(bytes.subarray(start, end - tail.length)).update(rest).digest('hex');
    if (h !== o.h) return i + 1;
    start = end + 1;
  }
  return 0;
}
