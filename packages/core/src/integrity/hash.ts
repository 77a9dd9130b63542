/**
 * SHA-256 for the hot path, plus the RFC 6962 leaf and node hashes.
 *
 * Implementation choice (measured by bench/sha256.mjs on Node 20.20, 300-600 byte records
 * and 65-byte Merkle node inputs): node:crypto's one-shot `crypto.hash()` (Node >= 20.12,
 * so within engines >= 20.19) beats both `createHash().update().digest()` (no Hash object
 * to allocate and finalise) and @noble/hashes `sha256` (pure JS, no SHA-NI). So every hash
 * here is ONE `crypto.hash()` call over one contiguous input: the RFC 6962 prefix byte is
 * joined to the data first (a string concat or a pooled copy) rather than fed through
 * several `update()` calls, which measured slower for these sizes.
 * test/hash.test.ts checks this module and @noble/hashes against the same vectors.
 *
 * Every digest is returned as a plain Uint8Array (not a Buffer) that owns its 32-byte
 * ArrayBuffer: Buffer#slice shares memory while Uint8Array#slice copies, and callers that
 * store hashes should get the copy semantics the type promises.
 */
import { hash } from 'node:crypto';

/** RFC 6962 section 2.1 domain-separation prefixes. */
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
/** The leaf prefix as a one-character string: its UTF-8 encoding is the single byte 0x00. */
const LEAF_PREFIX_STR = '\u0000';

/**
 * SHA-256 as a fresh 32-byte Uint8Array. Taken from crypto.hash()'s 'latin1' output (one char
 * per byte) rather than its 'buffer' output: on Node 20 the 'buffer' path costs about 1 us per
 * call against 0.3 us (bench/sha256.mjs, 65-byte Merkle node inputs), which is most of a
 * Merkle tree's cost. The chars are copied into an array of its own (no pooled slab shared).
 */
function digest(data: string | Uint8Array): Uint8Array {
  return latin1Bytes(hash('sha256', data, 'binary'));
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** SHA-256 of bytes, or of a string's UTF-8 encoding. */
export function sha256(data: Uint8Array | string): Uint8Array {
  return digest(data);
}

/** RFC 6962 section 2.1: MTH({d0}) = SHA-256(0x00 || d0). Strings are hashed as UTF-8. */
export function leafHash(data: Uint8Array | string): Uint8Array {
  if (typeof data === 'string') return digest(LEAF_PREFIX_STR + data);
  // allocUnsafe takes small inputs from Node's pool: the copy lives only for this call.
  const buf = Buffer.allocUnsafe(data.byteLength + 1);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return digest(buf);
}

/** RFC 6962 section 2.1: SHA-256(0x01 || left || right). Any lengths (the RFC vectors use raw bytes). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = Buffer.allocUnsafe(1 + left.byteLength + right.byteLength);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + left.byteLength);
  return digest(buf);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses a 64-char lowercase hex hash; returns null for anything else (never throws). */
export function hashFromHex(hex: unknown): Uint8Array | null {
  if (typeof hex !== 'string' || !HEX64.test(hex)) return null;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * SHA-256 of `input` (a Merkle node: 0x01 || left || right), written as 32 bytes into `out`
 * at `offset`: interior nodes of a tree are computed in place, without an array per node.
 */
export function digestInto(input: Uint8Array, out: Buffer, offset: number): void {
  out.write(hash('sha256', input, 'binary'), offset, 32, 'latin1');
}

/**
 * RFC 6962 leaf hash of a string, as hex. The record chain needs the hex form (it is `h`),
 * and hashing straight to hex skips a 32-byte ArrayBuffer per record (bench: about 2x on
 * this step); leaf bytes are built once per batch with leafBytes() for the Merkle root.
 */
export function leafHashHex(data: string): string {
  return hash('sha256', LEAF_PREFIX_STR + data, 'hex');
}

/** 32-byte leaves from hex hashes, as views over ONE buffer (one allocation per batch). */
export function leafBytes(hexes: readonly string[]): Uint8Array[] {
  const all = Buffer.from(hexes.join(''), 'hex');
  const out: Uint8Array[] = new Array(hexes.length);
  for (let i = 0; i < hexes.length; i++) out[i] = new Uint8Array(all.buffer, all.byteOffset + i * 32, 32);
  return out;
}
