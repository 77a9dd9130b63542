import winston from 'winston';
import { LogSealTransport } from '@logseal/winston';
import { generateKeys, exportKeys } from '@logseal/core';
const keys = exportKeys(generateKeys());
const t = new LogSealTransport({ url: process.argv[2], macKey: keys.macKey, thread: process.argv[3] !== 'inline' });
const logger = winston.createLogger({ transports: [t] });
for (let i = 0; i < 3000; i++) logger.info('hello ' + i, { n: i });
if (process.argv[4] === 'throw') throw new Error('boom');
if (process.argv[4] === 'return') { /* nothing */ } else process.exit(0);
