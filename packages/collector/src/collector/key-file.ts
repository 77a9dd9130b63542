/**
 * The collector's key file: the public half of what `logseal keygen` makes, plus the MAC
 * provisioning key k[0] when seals carry the forward-secure MAC (docs/format.md sections 7-8).
 *
 *   {"v":1,"keys":[{"kid":"ed25519-65b60673d6ed884b",
 *                   "publicKey":"-----BEGIN PUBLIC KEY-----\n...",   (or base64url/hex of the raw 32 bytes, or a JWK)
 *                   "macKey":"<base64url or hex of k[0]>"}]}
 *
 * k[0] lets its holder forge MACs for every epoch, so a key file holding one must be
 * readable by the collector only: a group- or world-readable file is accepted (refusing
 * would break a container mounting it read-only) but raises a coded process warning.
 */
import { readFileSync, statSync } from 'node:fs';
import { Keyring, LogSealError, type KeyringEntry } from '@logseal/core';
import { ID_PATTERN } from './validate.js';

const ENTRY_KEYS = ['kid', 'publicKey', 'macKey'];

function bad(source: string, why: string): never {
  throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', `key file ${source}: ${why}`);
}

/** A public key as text: PEM, or base64url / hex of the raw 32 bytes (JWK objects are passed through by keyEntry). */
function publicKeyInput(v: string, source: string, i: number): KeyringEntry['publicKey'] {
  if (v.startsWith('-----BEGIN')) return v;
  if (/^[0-9a-fA-F]{64}$/.test(v)) return new Uint8Array(Buffer.from(v, 'hex'));
  if (/^[A-Za-z0-9_-]{43}$/.test(v)) return new Uint8Array(Buffer.from(v, 'base64url'));
  return bad(source, `keys[${i}].publicKey is neither PEM nor 32 raw bytes in base64url or hex`);
}

/** Normalises one entry (from a file or from code) into core's KeyringEntry shape. */
export function keyEntry(e: unknown, source: string, i: number): KeyringEntry {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return bad(source, `keys[${i}] must be an object`);
  const o = e as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!ENTRY_KEYS.includes(k)) bad(source, `keys[${i}] has an unknown field "${k}"`);
  const out: KeyringEntry = {};
  if (o.kid !== undefined) {
    if (typeof o.kid !== 'string' || !ID_PATTERN.test(o.kid)) bad(source, `keys[${i}].kid must match ${ID_PATTERN}`);
    out.kid = o.kid;
  }
  // Strings are the key file's text forms; bytes, KeyObjects and JWK objects (from code) go to core as they are.
  if (o.publicKey !== undefined) out.publicKey = typeof o.publicKey === 'string' ? publicKeyInput(o.publicKey, source, i) : (o.publicKey as KeyringEntry['publicKey']);
  if (o.macKey !== undefined) {
    if (typeof o.macKey !== 'string' && !(o.macKey instanceof Uint8Array)) bad(source, `keys[${i}].macKey must be base64url or hex text`);
    out.macKey = o.macKey;
  }
  if (out.publicKey === undefined && out.macKey === undefined) bad(source, `keys[${i}] needs publicKey, macKey or both`);
  return out;
}

/** Parses key-file text; every key is loaded once so a bad one fails here, naming the file. */
export function parseKeyFile(text: string, source = '(text)'): KeyringEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return bad(source, 'not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad(source, 'must be a JSON object {"v":1,"keys":[...]}');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (k !== 'v' && k !== 'keys') bad(source, `unknown field "${k}"`);
  if (d.v !== undefined && d.v !== 1) bad(source, 'unsupported version (expected "v":1)');
  if (!Array.isArray(d.keys) || d.keys.length === 0) bad(source, '"keys" must be a non-empty array');
  const entries = d.keys.map((e, i) => keyEntry(e, source, i));
  new Keyring(entries); // throws LOGSEAL_ERR_KEY_FORMAT / INVALID_OPTION (duplicate kid) now, not at the first batch
  return entries;
}

/** Reads and parses a key file (synchronously: it is read once, when the collector is built). */
export function readKeyFile(path: string): KeyringEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', `key file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  const entries = parseKeyFile(text, path);
  if (entries.some((e) => e.macKey !== undefined) && process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o077;
    if (mode !== 0) {
      process.emitWarning(`key file ${path} holds MAC provisioning keys and is readable by group or others (mode ${(statSync(path).mode & 0o777).toString(8)}); chmod 600 it`, { code: 'LOGSEAL_KEY_FILE_MODE' });
    }
  }
  return entries;
}
