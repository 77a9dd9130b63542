/**
 * The worked example of docs/format.md, generated from fixed keys, clock and stream id.
 * test/format-example.test.ts pins its output to test/data/format-example.json and checks
 * that docs/format.md quotes the same values, so an accidental format change fails CI.
 */
import { StreamSealer } from '../../src/integrity/stream-sealer.js';
import { loadSigningKey, rawPublicKey, kidForPublicKey } from '../../src/integrity/keys.js';
import { nextEpochKey } from '../../src/integrity/forward-mac.js';
import { genesisHead, genesisSeal } from '../../src/integrity/domain.js';
import { sha256, toHex } from '../../src/integrity/hash.js';
import { canonicalize } from '../../src/integrity/canonical-json.js';
import { sealPayload } from '../../src/integrity/seal.js';

export function formatExample() {
  const seed = new Uint8Array(32).map((_, i) => i + 1);
  const k0 = sha256('logseal format example mac key');
  let now = Date.UTC(2026, 0, 1);
  const clock = () => (now += 1000);
  const sk = loadSigningKey(seed);
  const sealer = new StreamSealer({ sid: 'example-stream', signingKey: sk, macKey: k0, clock, service: 'checkout', host: 'web-1' });
  const lines: string[] = [];
  const r0 = sealer.append({ level: 30, msg: 'user logged in', user: 'alice' });
  lines.push(r0.json);
  lines.push(sealer.append({ level: 40, msg: 'slow query', ms: 1234.5 }).json);
  lines.push(sealer.append({ level: 50, msg: 'payment failed', err: { type: 'Error', message: 'card declined' } }).json);
  const s0 = sealer.seal();
  lines.push(s0.json);
  const s1 = sealer.seal(); // heartbeat
  lines.push(s1.json);
  lines.push(sealer.append({ level: 30, msg: 'shutting down' }).json);
  lines.push(sealer.seal({ final: true }).json);
  const { h: _h, ...r0rest } = r0.envelope;
  const k1 = nextEpochKey(k0);
  return {
    keys: {
      ed25519Seed: toHex(seed),
      ed25519Public: toHex(rawPublicKey(sk)),
      kid: kidForPublicKey(sk),
      macK0: toHex(k0),
      macK1: toHex(k1),
      macK2: toHex(nextEpochKey(k1)),
    },
    genesisHead: genesisHead('example-stream'),
    genesisSeal: genesisSeal('example-stream'),
    firstRecordPreimage: canonicalize(r0rest),
    firstSealPayload: sealPayload(s0.seal),
    firstSealHash: s0.hash,
    lines,
  };
}
