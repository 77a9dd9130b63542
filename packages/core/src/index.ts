/** Public surface of @logseal/core. Internals stay out of here (DESIGN convention 1). */
export { LogSealError, ERROR_CODES } from './errors.js';
export type { ErrorCode } from './errors.js';
export { FORMAT_VERSION, isSeal } from './integrity/types.js';
export type { RecordEnvelope, Seal, SealMeta, GapBody, SealedItem } from './integrity/types.js';
export type { Rule, RuleClass } from './redact/rule.js';
export { canonicalize } from './integrity/canonical-json.js';
