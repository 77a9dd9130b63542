/**
 * 'logseal': the native format, for the LogSeal collector. The body is NDJSON (one JSON
 * text per line, each line ending in LF): the batch's records in their RFC 8785 form
 * (the exact bytes their hashes cover), then the seal's line. The collector verifies
 * the batch as it arrives and stores the lines unchanged, so its export is the input
 * `logseal verify` reads directly.
 */
import type { EncodedRequest, Encoder, ItemRef, OutBatch } from '../types.js';
import { asEnvelope, asOptions, selectItems } from './common.js';
import { rejectUnknownOptions } from '../../errors.js';
import type { RecordEnvelope, Seal } from '../../integrity/types.js';

export const NDJSON_TYPE = 'application/x-ndjson';

/** Shared by 'logseal' and 'ndjson': the canonical lines, LF-terminated. */
export function ndjsonRequest(batch: OutBatch, only: readonly ItemRef[] | undefined): EncodedRequest[] {
  if (only === undefined) {
    // The whole batch: its lines as they are (the hot path: the records need not be parsed).
    const refs: ItemRef[] = new Array(batch.seal.count + 1);
    for (let i = 0; i < batch.seal.count; i++) refs[i] = { kind: 'record', seq: batch.seal.firstSeq + i };
    refs[batch.seal.count] = { kind: 'seal', batch: batch.seal.batch };
    let body: string | Uint8Array;
    if (batch.wire !== undefined) body = batch.wire; // the bytes as built: nothing to join or encode
    else body = (batch.ndjson ?? (batch.recordJson.length > 0 ? batch.recordJson.join('\n') + '\n' : '')) + batch.sealJson + '\n';
    return [{ path: '', method: 'POST', contentType: NDJSON_TYPE, body, items: refs }];
  }
  const items = selectItems(batch, only);
  if (items.length === 0) return [];
  let body = '';
  for (const it of items) body += it.json + '\n';
  return [{ path: '', method: 'POST', contentType: NDJSON_TYPE, body, items: items.map((it) => it.ref) }];
}

export function createLogsealEncoder(options?: unknown): Encoder {
  rejectUnknownOptions('logseal', asOptions(options), []);
  return { format: 'logseal', encode: ndjsonRequest };
}

/** An exported line (or its parsed object) is the record or seal itself. */
export function decodeLogseal(item: unknown): RecordEnvelope | Seal {
  return asEnvelope('logseal', item);
}
