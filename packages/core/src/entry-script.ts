/**
 * entryScriptName(): the application's entry script name, also from a worker thread
 * (issue 5: `service` defaults to it in the stream's first seal).
 *
 * In a worker, process.argv[1] is the worker's own script (for pino's transport,
 * thread-stream/lib/worker.js: every app would be called "worker"), and the main thread's
 * argv is not shared. On Linux the process's real command line is in /proc/self/cmdline
 * (proc(5): NUL-separated arguments); elsewhere a worker gets null and the caller falls back.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** Script name without directory and .js/.mjs/.cjs/.ts extension, or null when unknown. */
export function entryScriptName(): string | null {
  let script: string | undefined;
  if (isMainThread) {
    script = process.argv[1];
  } else {
    try {
      const args = readFileSync('/proc/self/cmdline', 'utf8').split('\0');
      // argv[0] is node; skip node's own flags (and the value of those that take one) up to the script.
      for (let i = 1; i < args.length; i++) {
        const a = args[i]!;
        if (a === '' || a === '--') break;
        if (a.startsWith('-')) {
          if (/^(-r|--require|--import|--loader|--experimental-loader|--conditions|-C|--input-type|--env-file)$/.test(a)) i++;
          continue;
        }
        script = a;
        break;
      }
    } catch {
      return null;
    }
  }
  if (script === undefined || script.length === 0) return null;
  return basename(script).replace(/\.[cm]?[jt]s$/, '').slice(0, 256) || null;
}
