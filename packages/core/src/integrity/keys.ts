/**
 * Ed25519 key handling through node:crypto (OpenSSL), the one strict verifier used
 * everywhere (DESIGN: "Ed25519 libraries differ on edge cases"). Keys are accepted as
 * PEM (PKCS#8 / SPKI), JWK (RFC 8037 OKP) or raw 32 bytes (RFC 8032 seed / public key).
 */
import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  type KeyObject,
  type JsonWebKey,
} from 'node:crypto';
import { LogSealError } from '../errors.js';
import { LABEL_KID_MAC } from './domain.js';
import { sha256, toHex } from './hash.js';

/** DER prefixes that wrap a raw 32-byte Ed25519 seed (PKCS#8) or public key (SPKI), RFC 8410. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type KeyInput = string | Uint8Array | JsonWebKey | KeyObject;

function isKeyObject(x: unknown): x is KeyObject {
  return typeof x === 'object' && x !== null && typeof (x as KeyObject).asymmetricKeyType === 'string';
}

function fail(what: string, cause?: unknown): never {
  throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', `cannot read ${what}: expected Ed25519 PEM, JWK or raw 32 bytes`, {
    cause,
  });
}

function ensureEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') fail(what);
  return key;
}

/** An Ed25519 private key from PEM (PKCS#8), JWK with `d`, a raw 32-byte seed, or a KeyObject. */
export function loadSigningKey(input: KeyInput): KeyObject {
  try {
    if (isKeyObject(input)) {
      if (input.type !== 'private') fail('signing key');
      return ensureEd25519(input, 'signing key');
    }
    if (typeof input === 'string') return ensureEd25519(createPrivateKey(input), 'signing key');
    if (input instanceof Uint8Array) {
      if (input.length !== 32) fail('signing key');
      return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, input]), format: 'der', type: 'pkcs8' });
    }
    if (typeof input === 'object' && input !== null && typeof input.d === 'string') {
      return ensureEd25519(createPrivateKey({ key: input, format: 'jwk' }), 'signing key');
    }
  } catch (err) {
    if (err instanceof LogSealError) throw err;
    fail('signing key', err);
  }
  return fail('signing key');
}

/** An Ed25519 public key from PEM (SPKI), JWK, raw 32 bytes, or a KeyObject (a private one yields its public half). */
export function loadPublicKey(input: KeyInput): KeyObject {
  try {
    if (isKeyObject(input)) return ensureEd25519(input.type === 'private' ? createPublicKey(input) : input, 'public key');
    if (typeof input === 'string') return ensureEd25519(createPublicKey(input), 'public key');
    if (input instanceof Uint8Array) {
      if (input.length !== 32) fail('public key');
      return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, input]), format: 'der', type: 'spki' });
    }
    if (typeof input === 'object' && input !== null && typeof input.x === 'string') {
      const { kty, crv, x } = input;
      return ensureEd25519(createPublicKey({ key: { kty, crv, x }, format: 'jwk' }), 'public key');
    }
  } catch (err) {
    if (err instanceof LogSealError) throw err;
    fail('public key', err);
  }
  return fail('public key');
}

/** The raw 32-byte public key. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(String(jwk.x), 'base64url'));
}

/** A MAC provisioning key from raw bytes or base64url / hex text; at least 32 bytes. */
export function loadMacKey(input: string | Uint8Array): Uint8Array {
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = new Uint8Array(input);
  else if (typeof input === 'string' && /^[0-9a-f]{64,}$/i.test(input)) bytes = new Uint8Array(Buffer.from(input, 'hex'));
  else if (typeof input === 'string' && /^[A-Za-z0-9_-]{43,}$/.test(input)) bytes = new Uint8Array(Buffer.from(input, 'base64url'));
  else throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', 'cannot read MAC key: expected 32+ bytes, hex or base64url');
  if (bytes.length < 32) throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', 'MAC key must be at least 32 bytes');
  return bytes;
}

/** Default key id of a signing key: 'ed25519-' + 16 hex of SHA-256(raw public key). */
export function kidForPublicKey(key: KeyObject): string {
  return 'ed25519-' + toHex(sha256(rawPublicKey(key))).slice(0, 16);
}

/** Default key id of a MAC-only setup, derived from k[0] with its own label (reveals nothing of k[0]). */
export function kidForMacKey(k0: Uint8Array): string {
  return 'mac-' + toHex(sha256(Buffer.concat([Buffer.from(LABEL_KID_MAC), k0]))).slice(0, 16);
}

export interface GeneratedKeys {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The MAC provisioning key k[0] (32 random bytes). */
  macKey: Uint8Array;
}

/** A fresh Ed25519 key pair and MAC provisioning key. `random` is injectable for tests. */
export function generateKeys(options: { random?: (n: number) => Uint8Array } = {}): GeneratedKeys {
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const seed = random(32);
  const privateKey = loadSigningKey(seed);
  seed.fill(0);
  const publicKey = createPublicKey(privateKey);
  return { kid: kidForPublicKey(publicKey), privateKey, publicKey, macKey: random(32) };
}

/** Text forms for files: PKCS#8 / SPKI PEM, JWK and base64url MAC key. */
export function exportKeys(keys: GeneratedKeys): {
  kid: string;
  privateKeyPem: string;
  publicKeyPem: string;
  publicJwk: JsonWebKey;
  macKey: string;
} {
  return {
    kid: keys.kid,
    privateKeyPem: String(keys.privateKey.export({ format: 'pem', type: 'pkcs8' })),
    publicKeyPem: String(keys.publicKey.export({ format: 'pem', type: 'spki' })),
    publicJwk: keys.publicKey.export({ format: 'jwk' }),
    macKey: Buffer.from(keys.macKey).toString('base64url'),
  };
}
