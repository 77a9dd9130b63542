/** Public surface of @logseal/collector. Internals stay out of here (DESIGN convention 1). */
export { createCollector } from './collector/collector.js';
export type { Collector, CollectorAddress, CollectorStats } from './collector/collector.js';
export type { CollectorOptions, CollectorLimits, CollectorTlsOptions, ForwardOptions } from './collector/options.js';
export type { LoggerOptions, LogLevel } from './collector/logger.js';
export type { Accepted, Gap } from './collector/ingest.js';
export { REJECT_REASONS } from './collector/metrics.js';
export type { RejectReason } from './collector/metrics.js';
// Checkpoints (C2SP tlog-checkpoint signed notes).
export { parseCheckpoint, verifyCheckpoint, signCheckpoint, checkpointText, verifierKey } from './collector/checkpoint.js';
export type { Checkpoint, SignedCheckpoint } from './collector/checkpoint.js';
export { tlogLeafHash } from './collector/tlog-tree.js';
// Reading a data directory (`logseal verify DIR`).
export { isDataDir, listStreams, readStream, readStreamLocated, readStreamIndex, readDataDir, readDataDirLocated, readCheckpoints, auditLog } from './collector/data-dir.js';
export type { StreamInfo, LogAudit, LocatedLine } from './collector/data-dir.js';
export { encodeSid, decodeSid } from './collector/layout.js';
export type { IndexEntry } from './collector/layout.js';
