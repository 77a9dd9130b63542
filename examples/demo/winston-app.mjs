// A small winston worker with the `pci` preset (cards keep their last 4 digits), shipping
// through @logseal/winston. logger.end() resolves after everything is delivered and sealed.
import winston from 'winston';
import { LogSealTransport } from '@logseal/winston';
import { SECRETS } from './secrets.mjs';

const transport = new LogSealTransport({ preset: 'pci', service: 'billing-worker' });
const logger = winston.createLogger({
  level: 'info',
  format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
  transports: [transport],
});

for (let i = 0; i < 80; i++) logger.info('invoice generated', { invoice: `INV-${2026_0000 + i}`, amount: (i * 7.5).toFixed(2), currency: 'EUR' });
logger.info('card charged', { card: SECRETS.card, amount: '42.00' });
logger.warn(`retrying with AWS secret ${SECRETS.awsSecret} from env`, { aws: { secretAccessKey: SECRETS.awsSecret } });
logger.error(new Error(`webhook ${SECRETS.slackWebhook} returned 500`));
logger.info('billing-worker done');

await new Promise((resolve) => {
  logger.on('finish', resolve);
  logger.end();
});
