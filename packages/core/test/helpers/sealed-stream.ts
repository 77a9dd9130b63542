/** Builds sealed NDJSON streams for verifier tests. */
import { StreamSealer } from '../../src/integrity/stream-sealer.js';
import { generateKeys, type GeneratedKeys } from '../../src/integrity/keys.js';
import type { KeyringEntry } from '../../src/integrity/keyring.js';
import { MemoryStateStore } from '../../src/integrity/chain-state.js';

export interface Built {
  lines: string[];
  keys: GeneratedKeys;
  keyring: KeyringEntry[];
  sealer: StreamSealer;
  store: MemoryStateStore;
  /** index in `lines` of each seal */
  sealIdx: number[];
}

let shared: GeneratedKeys | undefined;
export function testKeys(): GeneratedKeys {
  shared ??= generateKeys();
  return shared;
}

export function body(i: number): Record<string, unknown> {
  return { level: 30, time: 1_700_000_000_000 + i, msg: `request ${i} done`, req: { id: i, url: `/api/items/${i % 17}` }, tags: ['a', i % 3] };
}

/** `batchSizes` cycles; the last batch is sealed final when `final`. */
export function buildStream(records: number, batchSizes: number[] = [100], final = true, keys = testKeys()): Built {
  let t = 1_700_000_000_000;
  const store = new MemoryStateStore();
  const sealer = new StreamSealer({ signingKey: keys.privateKey, macKey: keys.macKey, clock: () => t++, stateStore: store, service: 'test' });
  const lines: string[] = [];
  const sealIdx: number[] = [];
  let i = 0;
  let b = 0;
  while (i < records) {
    const size = batchSizes[b % batchSizes.length]!;
    for (let k = 0; k < size && i < records; k++, i++) lines.push(sealer.append(body(i)).json);
    b++;
    const last = i >= records;
    sealIdx.push(lines.length);
    lines.push(sealer.seal({ final: final && last }).json);
  }
  return { lines, keys, keyring: [{ kid: keys.kid, publicKey: keys.publicKey, macKey: keys.macKey }], sealer, store, sealIdx };
}
