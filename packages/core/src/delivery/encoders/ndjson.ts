/**
 * 'ndjson': a generic webhook receiving newline-delimited JSON (https://github.com/ndjson/ndjson-spec).
 * Each line is one item: the record envelope or the seal object itself, in its RFC 8785
 * form, so whatever the receiver stores line by line can be verified as it is. The body
 * is the same as the native format's; the formats differ in who receives them.
 */
import { rejectUnknownOptions } from '../../errors.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';
import type { Encoder } from '../types.js';
import { asEnvelope, asOptions } from './common.js';
import { ndjsonRequest } from './logseal.js';

export function createNdjsonEncoder(options?: unknown): Encoder {
  rejectUnknownOptions('ndjson', asOptions(options), []);
  return { format: 'ndjson', encode: ndjsonRequest };
}

export function decodeNdjson(item: unknown): RecordEnvelope | Seal {
  return asEnvelope('ndjson', item);
}
