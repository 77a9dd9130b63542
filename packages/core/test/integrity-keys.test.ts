import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sign, verify as edVerify } from 'node:crypto';
import { generateKeys, exportKeys, loadSigningKey, loadPublicKey, loadMacKey, rawPublicKey } from '../src/integrity/keys.js';
import { EpochKeys, EvolvingKey, nextEpochKey } from '../src/integrity/forward-mac.js';
import { LogSealError } from '../src/errors.js';

const vectors = JSON.parse(readFileSync(new URL('./data/ed25519/ed25519-rfc8032.json', import.meta.url), 'utf8')) as {
  vectors: { name: string; secretKey: string; publicKey: string; message: string; signature: string }[];
};
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

describe('Ed25519 keys (RFC 8032 section 7.1 vectors)', () => {
  for (const v of vectors.vectors) {
    it(`${v.name}: raw seed -> public key and signature`, () => {
      const sk = loadSigningKey(hex(v.secretKey));
      expect(Buffer.from(rawPublicKey(sk)).toString('hex')).toBe(v.publicKey);
      const sig = sign(null, Buffer.from(v.message, 'hex'), sk);
      expect(sig.toString('hex')).toBe(v.signature);
      const pk = loadPublicKey(hex(v.publicKey));
      expect(edVerify(null, Buffer.from(v.message, 'hex'), pk, sig)).toBe(true);
    });
  }

  it('PEM, JWK and raw forms load the same key', () => {
    const keys = generateKeys();
    const ex = exportKeys(keys);
    const raw = rawPublicKey(keys.publicKey);
    for (const form of [ex.publicKeyPem, ex.publicJwk, raw, keys.publicKey, keys.privateKey]) {
      expect(Buffer.from(rawPublicKey(loadPublicKey(form))).equals(Buffer.from(raw))).toBe(true);
    }
    const jwkPriv = keys.privateKey.export({ format: 'jwk' });
    for (const form of [ex.privateKeyPem, jwkPriv, keys.privateKey]) {
      expect(Buffer.from(rawPublicKey(loadSigningKey(form))).equals(Buffer.from(raw))).toBe(true);
    }
    expect(ex.kid).toMatch(/^ed25519-[0-9a-f]{16}$/);
    expect(loadMacKey(ex.macKey)).toEqual(keys.macKey);
  });

  it('bad key material gives LOGSEAL_ERR_KEY_FORMAT', () => {
    const bad = [new Uint8Array(31), 'not a pem', { kty: 'OKP', crv: 'Ed25519' }, 42 as never];
    for (const b of bad) {
      expect(() => loadSigningKey(b)).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
      expect(() => loadPublicKey(b)).toThrow(LogSealError);
    }
    // a public key is not a signing key
    expect(() => loadSigningKey(generateKeys().publicKey)).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
    expect(() => loadMacKey(new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
    expect(() => loadMacKey('short')).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT' }));
  });
});

describe('forward-secure MAC key evolution', () => {
  const k0: Uint8Array = new Uint8Array(32).fill(7);

  it('EvolvingKey walks k[i+1] = HMAC(k[i], label) and EpochKeys reaches any epoch', () => {
    const ev = new EvolvingKey(k0, 0);
    const epochs = new EpochKeys(k0);
    let k: Uint8Array = k0;
    for (let e = 0; e < 2100; e++) {
      expect(Buffer.from(ev.exportKey()).equals(Buffer.from(k))).toBe(true);
      if (e % 97 === 0) expect(Buffer.from(epochs.keyFor(e)!).equals(Buffer.from(k))).toBe(true);
      ev.advance();
      k = nextEpochKey(k);
    }
    // going back (a replayed seal) uses the 1024-epoch checkpoints
    expect(Buffer.from(epochs.keyFor(5)!).equals(Buffer.from(new EpochKeys(k0).keyFor(5)!))).toBe(true);
    expect(Buffer.from(epochs.keyFor(2050)!).equals(Buffer.from(new EpochKeys(k0).keyFor(2050)!))).toBe(true);
  });

  it('refuses hostile epochs instead of walking forever', () => {
    const epochs = new EpochKeys(k0);
    expect(epochs.keyFor(-1)).toBeNull();
    expect(epochs.keyFor(1.5)).toBeNull();
    expect(epochs.keyFor(2 ** 40)).toBeNull();
  });

  it('advance() overwrites the old key in place', () => {
    const ev = new EvolvingKey(k0, 3);
    const before = ev.exportKey();
    ev.advance();
    expect(ev.epoch).toBe(4);
    expect(Buffer.from(ev.exportKey()).equals(Buffer.from(before))).toBe(false);
    expect(Buffer.from(ev.exportKey()).equals(Buffer.from(nextEpochKey(before)))).toBe(true);
  });
});

describe('key evolution against @noble/hashes', () => {
  it('node:crypto HMAC on the hot path equals @noble/hashes hmac for 100 evolutions', async () => {
    const { hmac } = await import('@noble/hashes/hmac.js');
    const { sha256 } = await import('@noble/hashes/sha2.js');
    let a: Uint8Array = new Uint8Array(32).fill(3);
    let b: Uint8Array = a;
    for (let i = 0; i < 100; i++) {
      a = nextEpochKey(a);
      b = hmac(sha256, b, new TextEncoder().encode('logseal.v1.mac.next'));
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    }
  });
});
