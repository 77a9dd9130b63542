/**
 * The collector's own history, for `logseal verify DIR`: the transparency log is re-derived
 * from the stored seals (auditLog), and each checkpoint an auditor saved earlier must still
 * be a prefix of it (same root at its size): a collector that rewrote or dropped accepted
 * batches cannot produce that.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { merkleRoot } from '@logseal/core';
import { auditLog, parseCheckpoint, verifyCheckpoint } from '../index.js';

export interface TransparencyResult {
  dir: string;
  ok: boolean;
  size: number;
  rootHash: string;
  checkpoints: number;
  signaturesChecked: boolean;
  problems: string[];
}

/** Leaves of the collector's log (tlog/log.ndjson: one JSON entry per accepted seal, with `leaf` hex). */
function logLeaves(dir: string): Uint8Array[] {
  const leaves: Uint8Array[] = [];
  let text = '';
  try {
    text = readFileSync(join(dir, 'tlog', 'log.ndjson'), 'utf8');
  } catch {
    return leaves;
  }
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    try {
      leaves.push(new Uint8Array(Buffer.from((JSON.parse(line) as { leaf: string }).leaf, 'hex')));
    } catch {
      break;
    }
  }
  return leaves;
}

export async function transparency(dir: string, checkpointKey: string | undefined, saved: readonly string[] | undefined): Promise<TransparencyResult> {
  const audit = await auditLog(dir, checkpointKey !== undefined ? { publicKey: checkpointKey } : {});
  const problems = [...audit.problems];
  if (saved !== undefined && saved.length > 0) {
    const leaves = logLeaves(dir);
    for (const file of saved) {
      const note = readFileSync(file, 'utf8');
      let cp;
      try {
        cp = checkpointKey !== undefined ? verifyCheckpoint(note, checkpointKey) : parseCheckpoint(note);
      } catch (err) {
        problems.push(`saved checkpoint ${file}: ${(err as Error).message}`);
        continue;
      }
      if (cp.size > leaves.length) problems.push(`saved checkpoint ${file} covers ${cp.size} seals but the log holds only ${leaves.length}: history was removed`);
      else if (!Buffer.from(merkleRoot(leaves.slice(0, cp.size))).equals(Buffer.from(cp.root))) {
        problems.push(`saved checkpoint ${file} (size ${cp.size}) is not a prefix of the log: history was rewritten`);
      }
    }
  }
  return { dir, ok: problems.length === 0, size: audit.size, rootHash: audit.rootHash, checkpoints: audit.checkpoints, signaturesChecked: checkpointKey !== undefined, problems };
}
