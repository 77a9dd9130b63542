import { readKeyFile } from '@logseal/core';
import { type Command, intOption, required } from './args.js';

/** `logseal collector`: runs the reference collector until SIGTERM / SIGINT. */
export const collector: Command = {
  name: 'collector',
  usage: 'collector --port 8080 --data ./logseal-data --keys ./keys.json [--host 127.0.0.1]',
  summary: 'Run the collector: verify sealed batches, store them append-only, publish signed checkpoints.',
  options: {
    port: { type: 'string', description: 'port (default 8080)' },
    host: { type: 'string', description: 'address to bind (default 127.0.0.1)' },
    data: { type: 'string', description: 'data directory' },
    keys: { type: 'string', description: 'key file (keys.json from keygen)' },
  },
  async run(values, _pos, io) {
    const port = intOption('collector', values, 'port', 8080);
    const dataDir = required('collector', values, 'data');
    const keys = readKeyFile(required('collector', values, 'keys'));
    const { createCollector } = (await import('../index.js')) as unknown as {
      createCollector(o: object): { listen(): Promise<{ url: string }>; close(): Promise<void> };
    };
    const c = createCollector({ port, host: (values.host as string | undefined) ?? '127.0.0.1', dataDir, keys });
    const { url } = await c.listen();
    io.stdout.write(`logseal collector listening on ${url}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await c.close();
    return 0;
  },
};
