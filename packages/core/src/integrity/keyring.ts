/**
 * The verifier's keys, by key id. An entry may hold an Ed25519 public key, a MAC
 * provisioning key k[0], or both; every authenticator the entry holds a key for is
 * REQUIRED on the seal. (Accepting "either" would let a host compromised today strip
 * the forward-secure MAC and sign an old seal with its long-term Ed25519 key.)
 */
import type { KeyObject } from 'node:crypto';
import { invalidOption } from '../errors.js';
import { KID_PATTERN } from './domain.js';
import { DEFAULT_WALK_BUDGET, EpochKeys, type WalkBudget } from './forward-mac.js';
import { type KeyInput, kidForMacKey, kidForPublicKey, loadMacKey, loadPublicKey } from './keys.js';

export interface KeyringEntry {
  /** Default: derived like the sealer derives it (from the public key, else from k[0]). */
  kid?: string;
  publicKey?: KeyInput;
  macKey?: string | Uint8Array;
}

export interface ResolvedKey {
  kid: string;
  publicKey?: KeyObject;
  epochKeys?: EpochKeys;
}

export function buildKeyring(entries: readonly KeyringEntry[], budget: WalkBudget = { remaining: DEFAULT_WALK_BUDGET }): Map<string, ResolvedKey> {
  if (!Array.isArray(entries)) invalidOption('keys', 'an array of {kid, publicKey, macKey}', entries);
  const ring = new Map<string, ResolvedKey>();
  entries.forEach((e, i) => {
    if (typeof e !== 'object' || e === null) invalidOption(`keys[${i}]`, 'an object', e);
    if (e.publicKey === undefined && e.macKey === undefined) invalidOption(`keys[${i}]`, 'an entry with publicKey and/or macKey');
    const publicKey = e.publicKey === undefined ? undefined : loadPublicKey(e.publicKey);
    const k0 = e.macKey === undefined ? undefined : loadMacKey(e.macKey);
    const kid = e.kid ?? (publicKey !== undefined ? kidForPublicKey(publicKey) : kidForMacKey(k0!));
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) invalidOption(`keys[${i}].kid`, 'a string matching ' + KID_PATTERN, kid);
    // A second entry for a kid would silently replace the first (and could drop a required MAC).
    if (ring.has(kid)) invalidOption(`keys[${i}].kid`, `unique (key id "${kid}" appears twice)`, kid);
    const entry: ResolvedKey = { kid };
    if (publicKey !== undefined) entry.publicKey = publicKey;
    if (k0 !== undefined) entry.epochKeys = new EpochKeys(k0, budget);
    ring.set(kid, entry);
  });
  return ring;
}
