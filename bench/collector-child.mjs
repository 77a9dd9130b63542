// The collector under benchmark, in its own process (so the load generator does not share
// its event loop), as `logseal collector` runs it. argv[2]: JSON {dataDir, keys}. Prints
// {"port":N} when listening; SIGTERM closes it.
import { createCollector } from '@logseal/collector';

const cfg = JSON.parse(process.argv[2]);
const collector = createCollector({ dataDir: cfg.dataDir, port: 0, keys: cfg.keys, checkpointIntervalMs: 60_000, logger: false, limits: { keyRequestsPerSecond: 0 } });
const { port } = await collector.listen();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => collector.close().then(() => process.exit(0), () => process.exit(1)));
