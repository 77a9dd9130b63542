/**
 * Options of @logseal/pino (issue 5). They are @logseal/core's TransportConfig: plain data
 * only, because pino hands a transport's options to its worker thread by structured clone
 * (no functions, no KeyObjects, no Buffers you cannot spare): keys come as text, from files,
 * or from LOGSEAL_* environment variables (explicit options win). pipelineOptionsFromConfig()
 * turns them into pipeline options and createPipeline() validates them, in the worker, before
 * the first record. Each option is re-declared here for its documentation and default.
 */
import type { TransportConfig } from '@logseal/core';

export interface LogSealPinoOptions extends TransportConfig {
  /** Sink URL, http: or https:. Default: `$LOGSEAL_URL`; one of the two is required. */
  url?: string;
  /**
   * Wire format: 'logseal' (the LogSeal collector), 'ndjson', 'json', 'elasticsearch', 'loki',
   * 'splunk', 'datadog', 'otlp', 'clickhouse'. Default: `$LOGSEAL_FORMAT`, else 'logseal'.
   */
  format?: TransportConfig['format'];
  /** Options of the format's encoder (e.g. `{ index }` for elasticsearch). Default: the encoder's. */
  formatOptions?: TransportConfig['formatOptions'];
  /** Redaction preset: 'secrets', 'pci', 'gdpr', 'hipaa', 'strict' or 'off'. Default: `$LOGSEAL_PRESET`, else 'secrets'. */
  preset?: string;
  /** Full redaction policy (its `preset` wins over `preset`). Default: `{ preset }`; hashKey from `$LOGSEAL_HASH_KEY`. */
  redact?: TransportConfig['redact'];
  /** Ed25519 private key: PKCS#8 PEM text, or base64url of the 32-byte seed. Default: `$LOGSEAL_SIGNING_KEY`. */
  signingKey?: string;
  /** File holding the signing key. Default: `$LOGSEAL_SIGNING_KEY_FILE`. At least one signing or MAC key is required. */
  signingKeyFile?: string;
  /** Forward-secure MAC provisioning key k[0], base64url or hex, >= 32 bytes. Default: `$LOGSEAL_MAC_KEY`. */
  macKey?: string;
  /** File holding the MAC key. Default: `$LOGSEAL_MAC_KEY_FILE`. */
  macKeyFile?: string;
  /** Key id recorded in every seal. Default: `$LOGSEAL_KID`, else derived from the keys. */
  kid?: string;
  /** Bearer token for the sink (shorthand for `http.auth: { bearer }`). Default: `$LOGSEAL_TOKEN`. */
  token?: string;
  /** Service name, recorded in the stream's first seal. Default: `$LOGSEAL_SERVICE`, else `$npm_package_name`, else the entry script's name. */
  service?: string;
  /** Host name, recorded in the stream's first seal. Default: `os.hostname()`. */
  host?: string;
  /** Stream id of a new stream. Default: a fresh random id per process (a restarted process with a spool or statePath continues its chain). */
  sid?: string;
  /** Chain state file (no spool), so a restarted process continues its chain. Default: none. */
  statePath?: string;
  /** Batching. Defaults: `{ maxRecords: 1000, maxBytes: 1048576, maxAgeMs: 1000 }`. */
  batch?: TransportConfig['batch'];
  /** An idle stream seals an empty batch this often, so a cut tail shows; 0 disables. Default: 30000 ms. */
  heartbeatMs?: number;
  /** Memory cap and overflow policy. Default: `{ maxBytes: 16777216, overflow: 'block' }` (nothing is dropped). */
  memory?: TransportConfig['memory'];
  /** Disk spool (at-least-once across crashes and restarts). Default: `$LOGSEAL_SPOOL_DIR` as `{ dir }`, else none; maxBytes 256 MiB, overflow 'block'. */
  spool?: TransportConfig['spool'];
  /** HTTP: connections, connectTimeoutMs (10000), requestTimeoutMs (30000), gzip (false), headers, auth, tls, retryStatuses (408, 429, 5xx). */
  http?: TransportConfig['http'];
  /** Retries: baseMs (1000), capMs (30000), deadlineMs (120000; then dead-lettered if the sink is up). */
  retry?: TransportConfig['retry'];
  /** Dead-letter file. Default: `<spool.dir>/dead-letter.ndjson`, else `<tmpdir>/logseal/dead-letter-<pid>.ndjson`. */
  deadLetterPath?: string;
  /** close() (and so pino's exit hook) resolves within this many ms. Default: 8000 (inside pino's 10 s exit window). */
  closeTimeoutMs?: number;
  /**
   * Chain, seal and ship in a thread of the transport's own (true), next to the thread that
   * parses and redacts pino's lines (pino's transport worker, or the application's thread for
   * an in-process stream); false does everything in that one thread. On two cores the split
   * delivers about 20 % more records per second (docs/pino.md, "Two threads"). Default: true.
   */
  thread?: boolean;
  /**
   * Linux, `thread: true` only: how much lower the pipeline thread's priority is than the
   * thread that starts it (nice 0..19). It is the second stage, so under contention the
   * application and the parsing stage win and it catches up when they idle: on two cores this
   * both raised the delivered rate and kept the main thread at the no-op target's cost
   * (docs/pino.md, "Two threads"). Default: 10.
   */
  threadNice?: number;
  /**
   * Linux only, worker transports only: the nice value (0..19) of pino's transport worker
   * thread. Higher values let the application's threads win the CPU when cores are contended;
   * the worker catches up when they idle, while pino holds the backlog in the main thread's
   * memory. The transport's pipeline thread (`thread: true`) inherits it; other targets in the
   * same `targets` worker share the thread and its priority.
   * Default: 0 (the worker competes as an equal).
   */
  workerNice?: number;
}
