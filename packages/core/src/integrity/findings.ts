/**
 * Verifier findings: stable codes an auditor (or a SIEM rule) can match on. 'error'
 * means the export is not proven complete and untouched; 'warning' means it verified
 * but something needs a human (an open stream, a producer-side drop, no key to
 * authenticate with). docs/format.md section "Verifier findings" lists every code.
 */

export const FINDING_CODES = {
  RECORD_MALFORMED: 'error',
  RECORD_MODIFIED: 'error',
  RECORD_DELETED: 'error',
  RECORD_INSERTED: 'error',
  RECORD_DUPLICATE: 'error',
  RECORD_REORDERED: 'error',
  RECORD_AFTER_FINAL: 'error',
  RECORDS_UNSEALED: 'error',
  CHAIN_BROKEN: 'error',
  SEAL_MALFORMED: 'error',
  SEAL_ROOT_MISMATCH: 'error',
  SEAL_CHAIN_BROKEN: 'error',
  SEAL_BAD_SIGNATURE: 'error',
  SEAL_BAD_MAC: 'error',
  SEAL_UNAUTHENTICATED: 'error',
  SEAL_UNKNOWN_KEY: 'error',
  SEAL_EPOCH_ORDER: 'error',
  SEAL_EQUIVOCATION: 'error',
  SEAL_OUT_OF_ORDER: 'error',
  SEAL_AFTER_FINAL: 'error',
  STREAM_FOLLOWS_MISSING: 'error',
  STREAM_FOLLOWS_MISMATCH: 'error',
  INPUT_NONCANONICAL: 'error',
  BATCH_REPLAYED: 'error',
  BATCH_MISSING: 'error',
  SEAL_MISSING: 'error',
  STREAM_HEAD_MISSING: 'error',
  STREAM_NOT_FINAL: 'warning',
  STREAM_STALE: 'error',
  PRODUCER_DROPPED: 'warning',
  KEY_NOT_CHECKED: 'warning',
  INPUT_MALFORMED: 'error',
} as const;

export type FindingCode = keyof typeof FINDING_CODES;
export type Severity = 'error' | 'warning';

export interface Finding {
  code: FindingCode;
  severity: Severity;
  message: string;
  /** Stream id, when known. */
  sid?: string;
  /** First (and last) seq concerned. */
  seq?: number;
  seqTo?: number;
  /** Batch number concerned. */
  batch?: number;
  /** 1-based position in the input (NDJSON line number or item index). */
  line?: number;
}

export function finding(
  code: FindingCode,
  message: string,
  where: Omit<Finding, 'code' | 'severity' | 'message'> = {},
  severity: Severity = FINDING_CODES[code],
): Finding {
  return { code, severity, message, ...where };
}
