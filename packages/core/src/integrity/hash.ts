/**
 * SHA-256 for the hot path, plus the RFC 6962 leaf and node hashes.
 * node:crypto's one-shot hash is used on Node (bench/sha256.mjs compares it with
 * @noble/hashes on 300-600 byte records); both are tested against the same vectors.
 */
import { createHash } from 'node:crypto';

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function sha256(data: Uint8Array | string): Uint8Array {
  return createHash('sha256').update(data).digest();
}

/** RFC 6962 section 2.1: MTH({d0}) = SHA-256(0x00 || d0). */
export function leafHash(data: Uint8Array | string): Uint8Array {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** RFC 6962 section 2.1: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
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
