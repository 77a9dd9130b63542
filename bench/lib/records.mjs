/**
 * A realistic log-record mix shared by several benchmarks.
 *
 * Three kinds, cycled by index, each 300-600 bytes as JSON (`node bench/lib/records.mjs` prints the sizes):
 *   0. an HTTP access record shaped like pino-http output (req/res objects, headers, responseTime);
 *   1. an application event with nested objects and arrays (order, user, cart items);
 *   2. an error record with a multi-line Node stack trace (pino's `err` serializer shape).
 * Values vary with the index (`time` alone is unique per index), so no two records are identical and no
 * benchmark can profit from a cache keyed on content. Deterministic: no Math.random, no clock.
 */

const T0 = 1_732_190_400_000; // 2024-11-21T12:00:00Z, fixed so runs are reproducible
const HOSTS = ['api-7f9c4d-x2k8q', 'api-7f9c4d-m4n1z', 'worker-5b8e21-qq7ls'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const PATHS = ['/v1/orders', '/v1/users', '/v1/carts', '/v1/payments', '/healthz', '/v2/search'];
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'curl/8.5.0',
  'okhttp/4.12.0',
];
const STATUS = [200, 200, 200, 201, 204, 304, 400, 404, 500];
const SKUS = ['SKU-4411-BLK', 'SKU-0092-WHT', 'SKU-7310-RED', 'SKU-2208-GRN', 'SKU-9981-XL'];
const EVENTS = ['order.created', 'order.paid', 'cart.updated', 'user.login'];
// Some names outside Latin-1 so part of the strings are two-byte, as in real traffic.
const NAMES = ['Ana Souza', 'Zoë Müller', '李雷', 'Jürgen O\'Brien', 'Oksana Шевченко'];
const ERRORS = [
  ['Error', 'connect ECONNREFUSED 10.0.3.17:5432', 'ECONNREFUSED'],
  ['TypeError', "Cannot read properties of undefined (reading 'id')", 'ERR_UNHANDLED'],
  ['Error', 'Request timed out after 30000 ms', 'ETIMEDOUT'],
];

function hex(i, width) {
  return ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(2).slice(0, width);
}

function httpRecord(i) {
  const method = METHODS[i % METHODS.length];
  const status = STATUS[i % STATUS.length];
  return {
    level: status >= 500 ? 50 : status >= 400 ? 40 : 30,
    time: T0 + i * 37,
    pid: 4100 + (i % 7),
    hostname: HOSTS[i % HOSTS.length],
    req: {
      id: i + 1,
      method,
      url: `${PATHS[i % PATHS.length]}/${10_000 + i}?page=${i % 13}`,
      headers: {
        host: 'api.example.com',
        'user-agent': AGENTS[i % AGENTS.length],
        accept: 'application/json',
      },
      remoteAddress: `10.0.${(i >> 8) & 255}.${i & 255}`,
      remotePort: 40_000 + (i % 20_000),
    },
    res: {
      statusCode: status,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(120 + ((i * 31) % 4000)),
      },
    },
    responseTime: Math.round(((i * 7919) % 250_000) / 100) / 10 + 0.3,
    msg: status >= 400 ? 'request errored' : 'request completed',
  };
}

function appEvent(i) {
  const items = [];
  for (let k = 0; k < 1 + (i % 3); k++) {
    items.push({ sku: SKUS[(i + k) % SKUS.length], qty: 1 + ((i + k) % 4), price: 9.99 + ((i * 3 + k) % 50) });
  }
  return {
    level: 30,
    time: T0 + i * 37,
    pid: 4100 + (i % 7),
    hostname: HOSTS[i % HOSTS.length],
    event: EVENTS[i % EVENTS.length],
    order: {
      id: `ord_${hex(i, 16)}`,
      total: Math.round(items.reduce((s, it) => s + it.qty * it.price, 0) * 100) / 100,
      currency: i % 5 === 0 ? 'EUR' : 'USD',
      paid: i % 4 !== 0,
    },
    user: { id: `usr_${hex(i + 17, 12)}`, name: NAMES[i % NAMES.length], email: `user${i}@example.com`, tier: i % 3 === 0 ? 'gold' : 'basic' },
    cart: { items, coupon: i % 6 === 0 ? 'WINTER24' : null, tags: ['web', i % 2 ? 'mobile' : 'desktop'] },
    msg: `order ${i} processed`,
  };
}

function errorRecord(i) {
  const [type, message, code] = ERRORS[i % ERRORS.length];
  const line = 40 + (i % 300);
  const stack =
    `${type}: ${message}\n` +
    `    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)\n` +
    `    at Client._connect (/srv/app/node_modules/pg/lib/client.js:${line}:17)\n` +
    `    at OrderRepository.findById (/srv/app/dist/repositories/order.js:${(i % 90) + 10}:28)\n` +
    `    at async OrderService.load (/srv/app/dist/services/order.js:${(i % 70) + 5}:19)`;
  return {
    level: 50,
    time: T0 + i * 37,
    pid: 4100 + (i % 7),
    hostname: HOSTS[i % HOSTS.length],
    reqId: `req-${hex(i + 3, 10)}`,
    err: { type, message, stack, code },
    msg: message,
  };
}

const KINDS = [httpRecord, appEvent, errorRecord];

/** n fresh plain objects, cycling through the three kinds. */
export function recordMix(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = KINDS[i % KINDS.length](i);
  return out;
}

/** The same records as NDJSON lines (no trailing newline on each string). */
export function ndjsonMix(n) {
  return recordMix(n).map((r) => JSON.stringify(r));
}

/** Size range per kind; `node bench/lib/records.mjs` prints it (used to keep the 300-600 byte promise). */
export function sizeReport(n = 3000) {
  const sizes = [[], [], []];
  const lines = ndjsonMix(n);
  lines.forEach((l, i) => sizes[i % 3].push(Buffer.byteLength(l)));
  const distinct = new Set(lines).size;
  return sizes.map((s, k) => ({ kind: KINDS[k].name, min: Math.min(...s), max: Math.max(...s), records: n, distinct }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(sizeReport());
}
