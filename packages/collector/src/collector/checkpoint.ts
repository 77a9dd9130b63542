/**
 * Signed checkpoints of the collector's transparency log, in the C2SP formats used by the
 * Go checksum database, Sigstore and the witness network, so existing tooling reads them:
 *
 *   tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text is
 *     <origin>\n<tree size, decimal>\n<root hash, standard base64>\n[extension lines]
 *   with one LogSeal extension line, `timestamp <ms since the Unix epoch>`, covered by the
 *   signature like the rest of the text (C2SP clients ignore extension lines they do not know);
 *
 *   signed-note (https://c2sp.org/signed-note): the text, a blank line, then
 *     "— <key name> <base64(key ID || Ed25519 signature over the text)>\n"
 *   with key ID = SHA-256(<key name> || 0x0A || 0x01 || raw public key)[:4], and the
 *   verifier key text `<name>+<hex key ID>+<base64(0x01 || raw public key)>`.
 *
 * The key name is the origin. Parsing sees hostile input: every failure throws
 * LOGSEAL_ERR_CHECKPOINT with a terse reason.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { LogSealError, loadPublicKey, rawPublicKey, type KeyInput } from '@logseal/core';

export interface Checkpoint {
  /** Log identity (the first line; also the signing key's name). */
  origin: string;
  /** Number of leaves (accepted seals) the root covers. */
  size: number;
  /** RFC 6962 root hash of the first `size` leaves (32 bytes). */
  root: Uint8Array;
  /** When the collector signed it (ms since the Unix epoch). */
  timestamp: number;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The signed note, exactly as published. */
  note: string;
}

const ED25519_TYPE = 0x01;
const EM_DASH = '\u2014';
/** Key names: non-empty, no Unicode spaces, no '+' (signed-note). Kept to printable ASCII here. */
const NAME = /^[\x21-\x2a\x2c-\x7e]{1,256}$/;
const MAX_NOTE = 64 * 1024;

function fail(why: string): never {
  throw new LogSealError('LOGSEAL_ERR_CHECKPOINT', `checkpoint: ${why}`);
}

export function isValidOrigin(origin: string): boolean {
  return NAME.test(origin);
}

/** signed-note key ID of an Ed25519 key. */
export function noteKeyId(name: string, publicKey: KeyObject): Buffer {
  return createHash('sha256').update(name).update(Buffer.from([0x0a, ED25519_TYPE])).update(rawPublicKey(publicKey)).digest().subarray(0, 4);
}

/** The verifier key text (`name+keyid+base64(type||key)`) that C2SP tools take. */
export function verifierKey(name: string, publicKey: KeyObject): string {
  const raw = Buffer.concat([Buffer.from([ED25519_TYPE]), rawPublicKey(publicKey)]);
  return `${name}+${noteKeyId(name, publicKey).toString('hex')}+${raw.toString('base64')}`;
}

/** The note text of a checkpoint (what the signature covers, final LF included). */
export function checkpointText(cp: Checkpoint): string {
  if (!isValidOrigin(cp.origin)) fail('origin must be printable ASCII without spaces or "+"');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) fail('bad tree size');
  if (!(cp.root instanceof Uint8Array) || cp.root.length !== 32) fail('root must be 32 bytes');
  if (!Number.isSafeInteger(cp.timestamp) || cp.timestamp < 0) fail('bad timestamp');
  return `${cp.origin}\n${cp.size}\n${Buffer.from(cp.root).toString('base64')}\ntimestamp ${cp.timestamp}\n`;
}

/** Signs a checkpoint with the log's Ed25519 private key; returns the signed note. */
export function signCheckpoint(cp: Checkpoint, privateKey: KeyObject): SignedCheckpoint {
  const text = checkpointText(cp);
  const pub = loadPublicKey(privateKey);
  const sig = sign(null, Buffer.from(text), privateKey);
  const line = `${EM_DASH} ${cp.origin} ${Buffer.concat([noteKeyId(cp.origin, pub), sig]).toString('base64')}\n`;
  return { ...cp, root: new Uint8Array(cp.root), note: `${text}\n${line}` };
}

interface ParsedNote {
  text: string;
  sigs: { name: string; keyId: Buffer; sig: Buffer }[];
}

function splitNote(note: string): ParsedNote {
  if (typeof note !== 'string') fail('not text');
  if (note.length > MAX_NOTE) fail('too long');
  // signed-note: valid UTF-8 (a JS string from a decoder) with no control characters but LF.
  if (/[\x00-\x09\x0b-\x1f\x7f]/.test(note)) fail('control characters');
  const at = note.lastIndexOf('\n\n');
  if (at < 0 || !note.endsWith('\n')) fail('no signature block');
  const text = note.slice(0, at + 1);
  const sigLines = note.slice(at + 2, -1).split('\n');
  if (sigLines.length > 100) fail('too many signatures');
  const sigs = sigLines.map((l) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(l);
    if (m === null) fail('malformed signature line');
    const raw = Buffer.from(m[2]!, 'base64');
    if (raw.length < 5) fail('signature too short');
    return { name: m[1]!, keyId: raw.subarray(0, 4), sig: raw.subarray(4) };
  });
  return { text, sigs };
}

function parseText(text: string): Checkpoint {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) fail('fewer than three lines');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!isValidOrigin(origin)) fail('bad origin line');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) fail('bad tree size line');
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText) fail('bad root hash line');
  let timestamp: number | undefined;
  for (const ext of lines.slice(3)) {
    if (ext === '') fail('empty extension line');
    const m = /^timestamp (0|[1-9][0-9]{0,15})$/.exec(ext);
    if (m !== null) timestamp = Number(m[1]);
  }
  if (timestamp === undefined || !Number.isSafeInteger(timestamp)) fail('no timestamp extension line');
  return { origin, size: Number(sizeText), root: new Uint8Array(root), timestamp };
}

/** Parses a signed checkpoint WITHOUT checking its signature (use verifyCheckpoint for that). */
export function parseCheckpoint(note: string): SignedCheckpoint {
  const { text } = splitNote(note);
  return { ...parseText(text), note };
}

/**
 * Parses a checkpoint and checks the log's signature: the signature line named `origin`
 * (default: the checkpoint's own first line) whose key ID matches `publicKey` must verify.
 * `publicKey` is anything core's loadPublicKey takes, or a C2SP verifier key text.
 */
export function verifyCheckpoint(note: string, publicKey: KeyInput, options: { origin?: string } = {}): SignedCheckpoint {
  const { text, sigs } = splitNote(note);
  const cp = parseText(text);
  let key: KeyObject;
  let name = options.origin ?? cp.origin;
  const vkey = typeof publicKey === 'string' ? /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(publicKey) : null;
  if (vkey !== null) {
    // name+keyid+base64(type||key); the base64 part may itself hold '+'.
    const raw = Buffer.from(vkey[3]!, 'base64');
    if (raw.length !== 33 || raw[0] !== ED25519_TYPE) fail('verifier key is not an Ed25519 key');
    key = loadPublicKey(new Uint8Array(raw.subarray(1)));
    if (noteKeyId(vkey[1]!, key).toString('hex') !== vkey[2]) fail('verifier key id does not match its key');
    name = options.origin ?? vkey[1]!;
  } else {
    key = loadPublicKey(publicKey);
  }
  if (cp.origin !== name) fail(`origin "${cp.origin}" is not the expected log "${name}"`);
  const id = noteKeyId(name, key);
  const mine = sigs.find((s) => s.name === name && s.keyId.equals(id));
  if (mine === undefined) fail('no signature by the expected key');
  // signed-note: a failed signature by a known key rejects the whole note.
  if (mine.sig.length !== 64 || !verify(null, Buffer.from(text), key, mine.sig)) fail('signature does not verify');
  return { ...cp, note };
}
