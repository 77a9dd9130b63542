// A collector in a child process, as `logseal collector` runs it: the crash test SIGKILLs it.
// argv[2]: JSON {dataDir, port, keys}. Prints {"ready":true,"port":N} on stdout once listening;
// its own JSON log lines go to stderr. SIGTERM closes it gracefully.
import { createCollector } from '../../dist/index.js';

const cfg = JSON.parse(process.argv[2]);
const collector = createCollector({ dataDir: cfg.dataDir, port: cfg.port, keys: cfg.keys, checkpointIntervalMs: 0, logger: { level: 'info' } });
const address = await collector.listen();
process.stdout.write(`${JSON.stringify({ ready: true, port: address.port })}\n`);
process.on('SIGTERM', () => {
  collector.close().then(() => process.exit(0), () => process.exit(1));
});
