// The server under benchmark, in its own process (so the load generator does not share its
// event loop). argv[2]: JSON {dataDir, keys} runs the collector as `logseal collector` does;
// {"null":true} runs a node:http server that reads each body and answers 200 (the HTTP floor).
// Prints {"port":N} when listening; SIGTERM closes it.
import { createServer } from 'node:http';
import { createCollector } from '@logseal/collector';

const cfg = JSON.parse(process.argv[2]);
let close;
let port;
if (cfg.null === true) {
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
  close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
} else {
  const collector = createCollector({ dataDir: cfg.dataDir, port: 0, keys: cfg.keys, checkpointIntervalMs: 60_000, logger: false, limits: { keyRequestsPerSecond: 0 } });
  ({ port } = await collector.listen());
  close = () => collector.close();
}
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => close().then(() => process.exit(0), () => process.exit(1)));
