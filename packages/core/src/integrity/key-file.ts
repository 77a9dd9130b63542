/**
 * The key file verifiers and collectors read (`logseal keygen` writes it):
 *
 *   { "logseal": "keys/v1",
 *     "keys": [ { "kid": "ed25519-…", "publicKey": "-----BEGIN PUBLIC KEY-----…", "macKey": "<base64url k[0]>" } ] }
 *
 * `publicKey` is SPKI PEM (or a JWK, or base64url of the raw 32 bytes); `macKey` is the MAC
 * provisioning key k[0] (a secret: the file is written 0600). Either may be absent, not both.
 */
import { readFileSync } from 'node:fs';
import { LogSealError } from '../errors.js';
import type { GeneratedKeys } from './keys.js';
import { exportKeys } from './keys.js';
import type { KeyringEntry } from './keyring.js';

export const KEY_FILE_FORMAT = 'keys/v1';

export interface KeyFile {
  logseal: typeof KEY_FILE_FORMAT;
  keys: { kid: string; publicKey?: string | object; macKey?: string }[];
}

function bad(path: string, why: string, cause?: unknown): never {
  throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', `key file ${path}: ${why}`, cause === undefined ? undefined : { cause });
}

/** Parses a key file's text into keyring entries (the raw base64url public key form becomes bytes). */
export function parseKeyFile(text: string, path = 'key file'): KeyringEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    bad(path, 'not JSON', err);
  }
  const d = doc as Partial<KeyFile>;
  if (typeof d !== 'object' || d === null || d.logseal !== KEY_FILE_FORMAT || !Array.isArray(d.keys)) {
    bad(path, `expected {"logseal":"${KEY_FILE_FORMAT}","keys":[...]}`);
  }
  return d.keys.map((k, i) => {
    if (typeof k !== 'object' || k === null) bad(path, `keys[${i}] is not an object`);
    const e: KeyringEntry = {};
    if (k.kid !== undefined) {
      if (typeof k.kid !== 'string') bad(path, `keys[${i}].kid is not a string`);
      e.kid = k.kid;
    }
    if (k.publicKey !== undefined) {
      const pk = k.publicKey;
      e.publicKey = typeof pk === 'string' && !pk.includes('-----BEGIN') ? new Uint8Array(Buffer.from(pk, 'base64url')) : (pk as string);
    }
    if (k.macKey !== undefined) {
      if (typeof k.macKey !== 'string') bad(path, `keys[${i}].macKey is not a string`);
      e.macKey = k.macKey;
    }
    if (e.publicKey === undefined && e.macKey === undefined) bad(path, `keys[${i}] has neither publicKey nor macKey`);
    return e;
  });
}

export function readKeyFile(path: string): KeyringEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    bad(path, 'cannot be read', err);
  }
  return parseKeyFile(text, path);
}

/** The key file for freshly generated keys (public key and k[0]). */
export function keyFileFor(keys: GeneratedKeys): KeyFile {
  const ex = exportKeys(keys);
  return { logseal: KEY_FILE_FORMAT, keys: [{ kid: ex.kid, publicKey: ex.publicKeyPem, macKey: ex.macKey }] };
}
