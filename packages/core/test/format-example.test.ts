import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatExample } from './helpers/format-example.js';
import { verify } from '../src/integrity/verifier.js';

// docs/format.md's worked example, pinned: an accidental change to any hashed or signed
// byte (canonical form, labels, field set, key evolution) fails here.
const pinned = JSON.parse(readFileSync(new URL('./data/format-example.json', import.meta.url), 'utf8'));
const doc = readFileSync(new URL('../../../docs/format.md', import.meta.url), 'utf8');

describe('wire format worked example', () => {
  const ex = formatExample();

  it('is byte-identical to the pinned example', () => {
    expect(ex).toEqual(pinned);
  });

  it('is quoted in docs/format.md', () => {
    for (const line of ex.lines) expect(doc).toContain(line);
    for (const v of Object.values(ex.keys)) expect(doc).toContain(v);
    expect(doc).toContain(ex.firstRecordPreimage);
    expect(doc).toContain(ex.firstSealPayload);
    expect(doc).toContain(ex.genesisHead);
    expect(doc).toContain(ex.genesisSeal);
  });

  it('verifies clean with the documented keys', async () => {
    const rep = await verify(ex.lines, {
      keys: [{ publicKey: Buffer.from(ex.keys.ed25519Public, 'hex'), macKey: ex.keys.macK0 }],
      requireFinal: true,
    });
    expect(rep.findings).toEqual([]);
    expect(rep.records).toEqual({ total: 4, valid: 4 });
    expect(rep.seals).toEqual({ total: 3, valid: 3 });
  });
});

describe('docs/format.md finding table', () => {
  it('lists every verifier finding code with its severity', async () => {
    const { FINDING_CODES } = await import('../src/integrity/findings.js');
    for (const [code, severity] of Object.entries(FINDING_CODES)) {
      expect(doc, code).toMatch(new RegExp('\\| `' + code + '` \\| ' + severity));
    }
  });
});
