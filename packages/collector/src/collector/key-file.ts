/**
 * The collector's keys: keyring entries from code, or the key file `logseal keygen` writes,
 * in the one format core defines and reads (packages/core/src/integrity/key-file.ts):
 *
 *   {"logseal":"keys/v1","keys":[{"kid":"ed25519-65b60673d6ed884b",
 *                                 "publicKey":"-----BEGIN PUBLIC KEY-----\n...",  (or base64url of the raw 32 bytes, or a JWK)
 *                                 "macKey":"<base64url of k[0]>"}]}
 *
 * Entries are checked strictly here (unknown fields refused, every key loaded once) so a bad
 * key fails when the collector is built, not at the first batch. k[0] lets its holder forge
 * MACs for every epoch, so a key file holding one must be readable by the collector only:
 * a group- or world-readable file is accepted (refusing would break a container mounting it
 * read-only) but raises a coded process warning.
 */
import { statSync } from 'node:fs';
import { Keyring, LogSealError, readKeyFile, type KeyringEntry } from '@logseal/core';
import { ID_PATTERN } from './validate.js';

const ENTRY_KEYS = ['kid', 'publicKey', 'macKey'];

function bad(source: string, why: string): never {
  throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', `${source}: ${why}`);
}

/** A public key given as text: PEM, or base64url / hex of the raw 32 bytes. */
function publicKeyText(v: string, source: string, i: number): KeyringEntry['publicKey'] {
  if (v.startsWith('-----BEGIN')) return v;
  if (/^[0-9a-fA-F]{64}$/.test(v)) return new Uint8Array(Buffer.from(v, 'hex'));
  if (/^[A-Za-z0-9_-]{43}$/.test(v)) return new Uint8Array(Buffer.from(v, 'base64url'));
  return bad(source, `keys[${i}].publicKey is neither PEM nor 32 raw bytes in base64url or hex`);
}

/** Normalises one keyring entry given in code into core's KeyringEntry shape. */
export function keyEntry(e: unknown, source: string, i: number): KeyringEntry {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return bad(source, `keys[${i}] must be an object`);
  const o = e as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!ENTRY_KEYS.includes(k)) bad(source, `keys[${i}] has an unknown field "${k}"`);
  const out: KeyringEntry = {};
  if (o.kid !== undefined) {
    if (typeof o.kid !== 'string' || !ID_PATTERN.test(o.kid)) bad(source, `keys[${i}].kid must match ${ID_PATTERN}`);
    out.kid = o.kid;
  }
  // Strings are text forms; bytes, KeyObjects and JWK objects go to core's loadPublicKey as they are.
  if (o.publicKey !== undefined) out.publicKey = typeof o.publicKey === 'string' ? publicKeyText(o.publicKey, source, i) : (o.publicKey as KeyringEntry['publicKey']);
  if (o.macKey !== undefined) {
    if (typeof o.macKey !== 'string' && !(o.macKey instanceof Uint8Array)) bad(source, `keys[${i}].macKey must be base64url or hex text, or bytes`);
    out.macKey = o.macKey;
  }
  if (out.publicKey === undefined && out.macKey === undefined) bad(source, `keys[${i}] needs publicKey, macKey or both`);
  return out;
}

/** Reads a key file (core's format), loads every key once, and warns when k[0] is readable by others. */
export function readCollectorKeyFile(path: string): KeyringEntry[] {
  const entries = readKeyFile(path);
  new Keyring(entries); // throws LOGSEAL_ERR_KEY_FORMAT (or INVALID_OPTION for a duplicate kid) now
  if (entries.some((e) => e.macKey !== undefined) && process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      process.emitWarning(`key file ${path} holds MAC provisioning keys and is readable by group or others (mode ${mode.toString(8)}); chmod 600 it`, { code: 'LOGSEAL_KEY_FILE_MODE' });
    }
  }
  return entries;
}
