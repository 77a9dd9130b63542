// Planted secrets for the demo apps: fake values in each provider's real format (the GitHub
// token carries a valid CRC32 checksum, as real ones do). The demo checks that none of them
// reaches the collector's storage.
import { createHash } from 'node:crypto';

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function crc32(s) {
  let c = ~0;
  for (const b of Buffer.from(s)) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function base62(n, width) {
  let s = '';
  for (; n > 0; n = Math.floor(n / 62)) s = B62[n % 62] + s;
  return s.padStart(width, '0');
}
const ghBody = 'K3pV9wLq2ZxT8mRd4NcY7bHs1JfGe0';

export const SECRETS = {
  githubToken: 'ghp_' + ghBody + base62(crc32(ghBody), 6),
  awsAccessKeyId: 'AKIA' + 'Z7QW3RT5YUXIOP2A',
  awsSecret: 'k4Qz9Vb2Lp7Xr1Tn8Ms3Yc6Hd0Fj5' + 'Gw2Ea9Uo4Ri',
  stripeKey: 'sk_live_' + '51HqLyjWDarjtT1zdp7dc' + 'xYzAbCdEfGhIjKlMnOpQrStUvWx',
  slackWebhook: 'https://hooks.slack.com/services/T024BE7LD/B08QX1ZPQ4M/' + 'pX7tKq9LmW2vRz4NcY8bHs1J',
  dbPassword: 'Tr0ub4dor&3xkcd-42',
  bearerJwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwicm9sZSI6ImFkbWluIiwiaWF0IjoxNzY3MjI1NjAwfQ.' + createHash('sha256').update('demo').digest('base64url'),
  userPassword: 'correct-horse-battery-staple',
  card: '4111 1111 1111 1111',
};
