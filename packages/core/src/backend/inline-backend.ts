/**
 * In-process mode (`thread: false`): @logseal/core's pipeline in the application's thread.
 * Every microsecond of redaction, canonicalisation, hashing and sealing is the application's
 * (docs/winston.md has the figures); what this mode offers instead is no second thread and
 * the injectables (dispatcher, clock, random) that cannot cross a thread boundary.
 *
 * Exit: delivery is asynchronous, so nothing can be delivered from process 'exit'. On
 * 'beforeExit' (the event loop ran dry without logger.end()) the pipeline is closed, which
 * schedules the delivery and keeps the process alive until it is done.
 */
import { createPipeline, type CloseResult, type Pipeline } from '../pipeline.js';
import type { PipelineOptions } from '../delivery/pipeline-options.js';
import type { Backend, BackendEvents, TransportStats } from './backend.js';
import { LogSealWarning, watchDelivery } from './warnings.js';

export class InlineBackend implements Backend {
  readonly #pipeline: Pipeline;
  readonly #events: BackendEvents;
  readonly #unwatch: () => void;
  #closing: Promise<CloseResult> | undefined;
  #logged = 0;
  #refused = 0;
  #onBeforeExit: (() => void) | undefined;

  /** Builds the pipeline now: option, key, policy and spool errors throw from the constructor. */
  constructor(options: PipelineOptions, events: BackendEvents, exitHook: boolean) {
    this.#pipeline = createPipeline(options);
    this.#events = events;
    this.#unwatch = watchDelivery(this.#pipeline.sid, (w) => events.warn(w));
    if (exitHook) {
      this.#onBeforeExit = () => void this.close();
      process.once('beforeExit', this.#onBeforeExit);
    }
  }

  get sid(): string {
    return this.#pipeline.sid;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  write(record: object): boolean {
    this.#logged++;
    if (this.#closing !== undefined) {
      this.#refuse();
      return true;
    }
    return this.#pipeline.write(record);
  }

  drained(): Promise<void> {
    return this.#pipeline.drained();
  }

  flush(): Promise<void> {
    return this.#closing !== undefined ? this.#closing.then(() => undefined) : this.#pipeline.flush();
  }

  close(): Promise<CloseResult> {
    this.#closing ??= (async () => {
      if (this.#onBeforeExit !== undefined) process.removeListener('beforeExit', this.#onBeforeExit);
      try {
        return await this.#pipeline.close();
      } finally {
        this.#unwatch();
      }
    })();
    return this.#closing;
  }

  async stats(): Promise<TransportStats> {
    return { ...this.#pipeline.stats(), thread: false, recordsLogged: this.#logged, recordsQueued: 0, recordsRefused: this.#refused };
  }

  #refuse(): void {
    this.#refused++;
    if (this.#refused === 1) {
      this.#events.warn(new LogSealWarning('LOGSEAL_WARN_AFTER_CLOSE', 'LogSeal: record logged after the transport was closed; not shipped (further ones are counted in stats().recordsRefused)'));
    }
  }
}
