/**
 * One collector process per data directory: two writers appending to the same segments
 * and log would interleave batches and break the commit log. The LOCK file holds the
 * owner's pid; a lock whose pid is no longer alive (a crashed or SIGKILLed collector) is
 * stale and taken over, so a restart after a crash needs no manual step.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LogSealError } from '@logseal/core';
import { LOCK_FILE } from './layout.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

export async function acquireLock(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      return async () => {
        try {
          if ((await readFile(path, 'utf8')).trim() === String(process.pid)) await unlink(path);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = Number.NaN;
      try {
        pid = Number((await readFile(path, 'utf8')).trim());
      } catch {
        continue; // removed meanwhile: try again
      }
      // Our own pid too: a second collector in this process would be just as harmful.
      if (Number.isSafeInteger(pid) && pid > 0 && alive(pid)) {
        throw new LogSealError('LOGSEAL_ERR_COLLECTOR_LOCKED', `data directory ${dataDir} is held by process ${pid}`);
      }
      try {
        await unlink(path); // stale: its owner is gone
      } catch {
        /* another starter took it first: the next attempt decides */
      }
    }
  }
  throw new LogSealError('LOGSEAL_ERR_COLLECTOR_LOCKED', `data directory ${dataDir}: could not take its lock`);
}
