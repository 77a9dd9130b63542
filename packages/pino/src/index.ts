/**
 * @logseal/pino: pino transport that redacts, hash-chains, seals and ships (issue 5).
 *
 *   pino({ transport: { target: '@logseal/pino', options: { url, preset, macKey } } })
 *   pino({ transport: { targets: [{ target: '@logseal/pino', options }, { target: 'pino/file', options: { destination: 1 } }] } })
 *   const stream = await logseal(options); const logger = pino(stream)
 *
 * The default export is the transport function pino's worker calls (thread-stream imports
 * the module and calls its default export with the target's options).
 */
import { createLogSealStream } from './transport.js';

export default createLogSealStream;
export { createLogSealStream };
export { installShutdownHandlers, logsealFlush, logsealStats } from './control.js';
export type { HelperOptions, LoggerOrStream, ShutdownOptions } from './control.js';
export type { LogSealStream, LogSealPinoStats } from './transport.js';
export type { LogSealPinoOptions } from './options.js';
export { LEVEL_LABEL_KEY, NON_JSON_KEY, PINO_DEFAULT_LABELS } from './line-parser.js';
