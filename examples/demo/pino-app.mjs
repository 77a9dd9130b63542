// A small pino service: access logs, business events and an error with a cause, with
// secrets planted where real apps leak them. It ships through @logseal/pino (pino's worker
// thread); LOGSEAL_URL and the key variables come from the demo.
import pino from 'pino';
import { SECRETS } from './secrets.mjs';

const logger = pino({
  base: { service: 'checkout-api' },
  transport: { target: '@logseal/pino', options: { preset: 'secrets', service: 'checkout-api' } },
});

for (let i = 0; i < 120; i++) {
  logger.info({ req: { method: 'GET', url: `/v1/orders/${1000 + i}`, headers: { host: 'api.example.com', 'user-agent': 'curl/8.5.0' } }, res: { statusCode: 200 }, responseTime: 12 + (i % 40) }, 'request completed');
}
logger.info({ user: 'alice', password: SECRETS.userPassword }, 'user signed in');
logger.info({ req: { headers: { authorization: `Bearer ${SECRETS.bearerJwt}` } } }, 'token refreshed');
logger.warn(`deploy script printed its env: GITHUB_TOKEN=${SECRETS.githubToken} AWS_ACCESS_KEY_ID=${SECRETS.awsAccessKeyId}`);
logger.info({ config: { database: { url: `postgres://app:${SECRETS.dbPassword}@db.internal:5432/orders` } } }, 'connected to database');
const cause = new Error(`stripe rejected key ${SECRETS.stripeKey}`);
logger.error({ err: new Error('payment failed', { cause }) }, 'charge failed');
logger.info({ alert: { webhook: SECRETS.slackWebhook } }, 'alert channel configured');
logger.info('checkout-api shutting down');
// pino's exit hook ends the transport: it flushes to the collector and seals `final`.
