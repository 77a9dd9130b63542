/**
 * checkPipelineOptions(): throws every error createPipeline() would throw for its options,
 * without building the pipeline: no spool is opened, no state file read, no socket made.
 *
 * Adapters that build the pipeline somewhere else (in a worker thread: @logseal/winston's
 * default mode, pino's transport worker) still owe the caller a coded error AT CONSTRUCTION
 * naming the bad option (DESIGN conventions 3 and 4), in the caller's thread, not an
 * asynchronous 'error' event later. They call this first, then hand the same plain-data
 * options to the thread that calls createPipeline(), which validates them again (cheap).
 *
 * What it cannot know without I/O is left to createPipeline(): a spool directory held by
 * another process (LOGSEAL_ERR_SPOOL_LOCKED), an unreadable state file, a sink that is down.
 */
import { resolvePipelineOptions, sealerOptions, type PipelineOptions } from './delivery/pipeline-options.js';
import { ALL_RULES } from './redact/catalogue.js';
import { resolvePolicy } from './redact/policy.js';
import { createEncoder } from './delivery/encoders/index.js';
import { HttpSender } from './delivery/http-sender.js';
import { RetryPolicy } from './delivery/retry-policy.js';
import { DeadLetterFile } from './delivery/dead-letter.js';
import { Spool } from './delivery/spool.js';
import { FileStateStore } from './integrity/chain-state.js';
import { StreamSealer } from './integrity/stream-sealer.js';

/**
 * Validates `options` as createPipeline() would, in the same order, throwing the same coded
 * LogSealError (LOGSEAL_ERR_INVALID_OPTION, _POLICY, _PATH_SYNTAX, _HASH_KEY, _KEY_FORMAT,
 * _KEY_MISSING ...). Returns nothing; never mutates or keeps `options`.
 */
export function checkPipelineOptions(options: PipelineOptions): void {
  const o = resolvePipelineOptions(options);
  // resolvePolicy validates without compiling scanners and without the `off` preset's
  // process warning (the pipeline that really runs the policy emits that one, once).
  resolvePolicy(o.redact ?? { preset: 'secrets' }, ALL_RULES);
  createEncoder(o.format, o.formatOptions);
  // The sender builds an undici Pool (no socket until the first request); close it at once.
  const sender = new HttpSender({ ...(o.http ?? {}), url: o.url, ...(o.dispatcher !== undefined ? { dispatcher: o.dispatcher } : {}) });
  void sender.close().catch(() => undefined);
  new RetryPolicy({ ...(o.retry ?? {}), ...(o.random !== undefined ? { random: o.random } : {}) });
  new DeadLetterFile(o.deadLetterPath);
  if (o.spool !== undefined) {
    new Spool({
      dir: o.spool.dir,
      ...(o.spool.maxBytes !== undefined ? { maxBytes: o.spool.maxBytes } : {}),
      ...(o.spool.segmentBytes !== undefined ? { segmentBytes: o.spool.segmentBytes } : {}),
    });
  } else if (o.statePath !== undefined) {
    new FileStateStore(o.statePath);
  }
  // Key material and stream identity (no state store: nothing is read).
  new StreamSealer(sealerOptions(o));
}
