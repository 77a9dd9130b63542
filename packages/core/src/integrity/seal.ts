/**
 * Seals: the batch commitment and its two authenticators. The signed payload P is the
 * RFC 8785 form of the seal without `mac` and `sig`:
 *   sig  = Ed25519(sk, "logseal.v1.seal.sig\0" || P)
 *   mac  = HMAC-SHA-256(k[epoch], "logseal.v1.seal.mac\0" || P)
 *   hash = SHA-256("logseal.v1.seal.hash\0" || P)   (the next seal's prevSeal)
 * Both authenticators cover the same P, so either one alone proves the whole seal.
 */
import { sign, verify, timingSafeEqual, type KeyObject } from 'node:crypto';
import { canonicalize } from './canonical-json.js';
import { LABEL_SEAL_HASH, LABEL_SEAL_MAC, LABEL_SEAL_SIG, KID_PATTERN, SID_PATTERN } from './domain.js';
import { macBytes } from './forward-mac.js';
import { sha256, toHex } from './hash.js';
import type { Seal } from './types.js';

const enc = new TextEncoder();

function labelled(label: string, payload: string): Uint8Array {
  return enc.encode(label + payload);
}

/** P: the canonical seal without its authenticators. */
export function sealPayload(seal: Seal): string {
  const { mac: _mac, sig: _sig, ...rest } = seal;
  return canonicalize(rest);
}

export function sealHash(payload: string): string {
  return toHex(sha256(LABEL_SEAL_HASH + payload));
}

export function signPayload(key: KeyObject, payload: string): string {
  return sign(null, labelled(LABEL_SEAL_SIG, payload), key).toString('base64url');
}

export function macPayload(key: Uint8Array, payload: string): string {
  return Buffer.from(macBytes(key, macInput(payload))).toString('base64url');
}

/** The exact bytes the MAC covers. */
export function macInput(payload: string): Uint8Array {
  return labelled(LABEL_SEAL_MAC, payload);
}

const B64URL = /^[A-Za-z0-9_-]+$/;

export function verifySignature(publicKey: KeyObject, payload: string, sig: string): boolean {
  if (!B64URL.test(sig)) return false;
  const bytes = Buffer.from(sig, 'base64url');
  // Only the canonical encoding: flipped unused trailing bits must not give a second valid spelling.
  if (bytes.length !== 64 || bytes.toString('base64url') !== sig) return false;
  try {
    return verify(null, labelled(LABEL_SEAL_SIG, payload), publicKey, bytes);
  } catch {
    return false;
  }
}

export function verifyMac(key: Uint8Array, payload: string, mac: string): boolean {
  if (!B64URL.test(mac)) return false;
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== 32 || given.toString('base64url') !== mac) return false;
  const want = macBytes(key, labelled(LABEL_SEAL_MAC, payload));
  return timingSafeEqual(given, want);
}

const SEAL_KEYS = new Set([
  'v', 'type', 'sid', 'batch', 'epoch', 'firstSeq', 'lastSeq', 'count', 'firstPrev', 'head', 'root',
  'prevSeal', 'tsMin', 'tsMax', 'sealedAt', 'kid', 'final', 'meta', 'mac', 'sig',
]);
const HEX64 = /^[0-9a-f]{64}$/;
const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isTs = (x: unknown): boolean => x === null || isUint(x);

/** Verifier side: shape check of an untrusted seal. Returns a reason for a malformed one. */
export function checkSealShape(s: Record<string, unknown>): string | null {
  for (const k of Object.keys(s)) if (!SEAL_KEYS.has(k)) return `unexpected field "${k}"`;
  if (s.v !== 1) return 'unsupported version';
  if (typeof s.sid !== 'string' || !SID_PATTERN.test(s.sid)) return 'bad sid';
  if (typeof s.kid !== 'string' || !KID_PATTERN.test(s.kid)) return 'bad kid';
  for (const k of ['batch', 'epoch', 'firstSeq', 'count', 'sealedAt'] as const) if (!isUint(s[k])) return `bad ${k}`;
  if (typeof s.lastSeq !== 'number' || !Number.isSafeInteger(s.lastSeq) || s.lastSeq < -1) return 'bad lastSeq';
  for (const k of ['firstPrev', 'head', 'root', 'prevSeal'] as const) {
    if (typeof s[k] !== 'string' || !HEX64.test(s[k] as string)) return `bad ${k}`;
  }
  if (!isTs(s.tsMin) || !isTs(s.tsMax)) return 'bad time range';
  if (typeof s.final !== 'boolean') return 'bad final';
  if (s.mac !== undefined && typeof s.mac !== 'string') return 'bad mac';
  if (s.sig !== undefined && typeof s.sig !== 'string') return 'bad sig';
  if (s.meta !== undefined && (typeof s.meta !== 'object' || s.meta === null || Array.isArray(s.meta))) return 'bad meta';
  if ((s.lastSeq as number) - (s.firstSeq as number) + 1 !== s.count) return 'count does not match the seq range';
  if ((s.count === 0) !== (s.tsMin === null) || (s.count === 0) !== (s.tsMax === null)) return 'time range does not match count';
  if (s.tsMin !== null && (s.tsMin as number) > (s.tsMax as number)) return 'tsMin after tsMax';
  if (s.count === 0 && s.head !== s.firstPrev) return 'heartbeat head differs from firstPrev';
  if (s.mac === undefined && s.sig === undefined) return 'no authenticator (mac or sig)';
  if (s.mac === undefined && s.epoch !== s.batch) return 'epoch differs from batch without a MAC';
  if (s.meta !== undefined && s.batch !== 0) return 'meta on a batch other than 0';
  return null;
}
