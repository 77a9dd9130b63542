// A local counting sink for bench/pino-transport.mjs, run as its own process so its CPU
// never shows in the measured application's main thread. It speaks just enough of each
// protocol for the transports to consider a request delivered, and counts log records:
//   LogSeal (format 'logseal'): NDJSON, a record line starts with {"body": (canonical JSON sorts keys)
//   pino-loki:                  POST /loki/api/v1/push, JSON {streams:[{values:[[ts, line], ...]}]}
//   pino-elasticsearch:         POST /_bulk, NDJSON action/document pairs (plus the client's product check)
//   pino-opentelemetry-transport: POST /v1/logs, OTLP protobuf ExportLogsServiceRequest (its default)
//   @axiomhq/pino:              POST /v1/datasets/<name>/ingest, NDJSON (maybe gzip)
// GET /_count answers {"records": n, "requests": m, "lastAt": ms} (lastAt: when the count last grew).
// Prints the port on stdout, then serves until killed.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

let records = 0;
let requests = 0;
let lastAt = 0;

function countOccurrences(buf, needle) {
  let n = 0;
  for (let i = buf.indexOf(needle); i !== -1; i = buf.indexOf(needle, i + needle.length)) n++;
  return n;
}

function countLines(buf) {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  if (buf.length > 0 && buf[buf.length - 1] !== 10) n++;
  return n;
}

// Protocol buffers wire format (protobuf.dev/programming-guides/encoding): count
// ExportLogsServiceRequest.resource_logs(1).scope_logs(2).log_records(2).
function varint(buf, pos) {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [v, pos];
    shift += 7;
  }
}
function fields(buf, start, end, want, fn) {
  let pos = start;
  while (pos < end) {
    let tag;
    [tag, pos] = varint(buf, pos);
    const field = Math.floor(tag / 8);
    const type = tag & 7;
    if (type === 0) [, pos] = varint(buf, pos);
    else if (type === 1) pos += 8;
    else if (type === 5) pos += 4;
    else if (type === 2) {
      let len;
      [len, pos] = varint(buf, pos);
      if (field === want) fn(pos, pos + len);
      pos += len;
    } else throw new Error(`protobuf wire type ${type}`);
  }
}
function otlpLogRecords(buf) {
  let n = 0;
  fields(buf, 0, buf.length, 1, (s, e) => fields(buf, s, e, 2, (s2, e2) => fields(buf, s2, e2, 2, () => n++)));
  return n;
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/_count') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ records, requests, lastAt }));
    }
    requests++;
    let n = 0;
    let answer = { status: 200, type: 'application/json', body: '{"ok":true}', headers: {} };
    if (url.startsWith('/loki/api/v1/push')) {
      for (const s of JSON.parse(body.toString('utf8')).streams ?? []) n += s.values?.length ?? 0;
      answer = { status: 204, type: 'text/plain', body: '', headers: {} };
    } else if (url.includes('_bulk')) {
      const docs = countLines(body) / 2;
      n = docs;
      const items = Array.from({ length: docs }, () => ({ index: { _index: 'pino', status: 201, result: 'created' } }));
      answer = { status: 200, type: 'application/json', body: JSON.stringify({ took: 1, errors: false, items }), headers: { 'x-elastic-product': 'Elasticsearch' } };
    } else if (url.startsWith('/v1/logs')) {
      n = otlpLogRecords(body);
      answer = { status: 200, type: 'application/x-protobuf', body: '', headers: {} };
    } else if (url.includes('/ingest')) {
      n = countLines(body);
      answer = { status: 200, type: 'application/json', body: JSON.stringify({ ingested: n, failed: 0, failures: [], processedBytes: body.length, blocksCreated: 0, walLength: 0 }), headers: {} };
    } else if (req.method === 'POST') {
      n = countOccurrences(body, '{"body":');
    } else {
      // Elasticsearch client's info / product check, refresh, anything else.
      answer = { status: 200, type: 'application/json', body: JSON.stringify({ version: { number: '8.15.0', build_flavor: 'default' }, tagline: 'You Know, for Search' }), headers: { 'x-elastic-product': 'Elasticsearch' } };
    }
    if (n > 0) {
      records += n;
      lastAt = Date.now();
    }
    res.writeHead(answer.status, { 'content-type': answer.type, ...answer.headers });
    res.end(answer.body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(String(server.address().port)));
