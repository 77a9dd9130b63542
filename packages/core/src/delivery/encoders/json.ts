/**
 * 'json': a generic webhook receiving one JSON array per request (RFC 8259): the
 * batch's record envelopes, then the seal object, each element in its RFC 8785 form.
 * An export is any array (or sequence) of those elements.
 */
import { rejectUnknownOptions } from '../../errors.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';
import type { EncodedRequest, Encoder, ItemRef, OutBatch } from '../types.js';
import { asEnvelope, asOptions, selectItems } from './common.js';

function encode(batch: OutBatch, only?: readonly ItemRef[]): EncodedRequest[] {
  const items = selectItems(batch, only);
  if (items.length === 0) return [];
  const body = '[' + items.map((it) => it.json).join(',') + ']';
  return [{ path: '', method: 'POST', contentType: 'application/json', body, items: items.map((it) => it.ref) }];
}

export function createJsonEncoder(options?: unknown): Encoder {
  rejectUnknownOptions('json', asOptions(options), []);
  return { format: 'json', encode };
}

/** One array element (parsed, or its JSON text). */
export function decodeJson(item: unknown): RecordEnvelope | Seal {
  return asEnvelope('json', item);
}
