/**
 * Public surface of @logseal/winston (DESIGN convention 1). docs/winston.md is the manual.
 *
 *   import { LogSealTransport } from '@logseal/winston';
 *   winston.createLogger({ transports: [new LogSealTransport({ url, preset: 'secrets', signingKey })] });
 */
import { createTransport } from './transport.js';

export { LogSealTransport, createTransport } from './transport.js';
export type { LogSealTransportOptions } from './options.js';
export { LogSealWarning, WARNING_CODES } from '@logseal/core';
export type { TransportStats, WarningCode } from '@logseal/core';
export { endLogger, closeOnSignal } from './shutdown.js';
export type { EndableLogger } from './shutdown.js';
export type { CloseResult, ShutdownOnSignalOptions } from '@logseal/core';

/** Default export: the factory, `logseal(options)` is `new LogSealTransport(options)`. */
export default createTransport;
