/**
 * Domain-separation labels and per-stream genesis values (docs/format.md section
 * "Hashing and signing"). Every hash, MAC and signature input starts with its own
 * label so that a value computed for one purpose can never be replayed as another.
 */
import { sha256, toHex } from './hash.js';

export const LABEL_GENESIS = 'logseal.v1.genesis\0';
export const LABEL_SEAL_GENESIS = 'logseal.v1.seal.genesis\0';
export const LABEL_SEAL_HASH = 'logseal.v1.seal.hash\0';
export const LABEL_SEAL_SIG = 'logseal.v1.seal.sig\0';
export const LABEL_SEAL_MAC = 'logseal.v1.seal.mac\0';
/** Key evolution: k[i+1] = HMAC-SHA-256(k[i], LABEL_MAC_NEXT). No NUL: it is the whole message. */
export const LABEL_MAC_NEXT = 'logseal.v1.mac.next';
export const LABEL_KID_MAC = 'logseal.v1.kid.mac\0';

/** `prev` of record seq 0 of stream `sid`. */
export function genesisHead(sid: string): string {
  return toHex(sha256(LABEL_GENESIS + sid));
}

/** `prevSeal` of batch 0 of stream `sid`. */
export function genesisSeal(sid: string): string {
  return toHex(sha256(LABEL_SEAL_GENESIS + sid));
}

/** Stream ids are short printable tokens so they are safe in file names and URLs. */
export const SID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** Key ids likewise. */
export const KID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
