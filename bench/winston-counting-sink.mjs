// A local counting sink for bench/winston-transport.mjs, run as its own process so its CPU is
// never the measured application's. It answers 200 to everything and counts log records:
//   LogSeal (format 'logseal'): NDJSON; a record line starts with {"body": (RFC 8785 sorts keys;
//                               seal lines start with {"batch":)
//   winston Http transport:     a JSON array of info objects (batch mode), or one object
//   winston-loki (json: true):  POST /loki/api/v1/push, {streams:[{stream, values:[[ts, line], ...]}]}
// GET /_count answers {"records": n, "requests": m}; GET /_reset zeroes both.
// Prints the port on stdout, then serves until killed.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

let records = 0;
let requests = 0;

function countLogseal(buf) {
  const needle = Buffer.from('{"body":');
  let n = 0;
  if (buf.subarray(0, needle.length).equals(needle)) n++;
  const nl = Buffer.from('\n{"body":');
  for (let i = buf.indexOf(nl); i !== -1; i = buf.indexOf(nl, i + 1)) n++;
  return n;
}

function count(url, body) {
  if (url.includes('/loki/api/v1/push')) {
    let n = 0;
    for (const s of JSON.parse(body.toString('utf8')).streams ?? []) n += (s.values ?? []).length;
    return n;
  }
  if (url.startsWith('/logseal')) return countLogseal(body);
  const v = JSON.parse(body.toString('utf8'));
  return Array.isArray(v) ? v.length : 1;
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/_count') {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ records, requests }));
  }
  if (req.method === 'GET' && req.url === '/_reset') {
    records = 0;
    requests = 0;
    return res.end('{}');
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    requests++;
    try {
      records += count(req.url ?? '', body);
    } catch (err) {
      process.stderr.write(`sink: cannot count a request to ${req.url}: ${err.message}\n`);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
