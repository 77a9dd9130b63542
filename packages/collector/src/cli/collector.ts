import { readFileSync } from 'node:fs';
import { LogSealError } from '@logseal/core';
import { type Command, intOption, UsageError } from './args.js';

/**
 * `logseal collector`: runs the reference collector until SIGTERM / SIGINT.
 * Options come from, in increasing priority: a JSON config file (createCollector options),
 * LOGSEAL_COLLECTOR_* environment variables, and the command line.
 */
export const collector: Command = {
  name: 'collector',
  usage: 'collector --port 8080 --data ./logseal-data --keys ./keys.json [--host 127.0.0.1] [--config FILE] [--tls-cert F --tls-key F [--tls-ca F]]',
  summary: 'Run the collector: verify sealed batches, store them append-only, publish signed checkpoints.',
  options: {
    port: { type: 'string', description: 'port (default 8080; LOGSEAL_COLLECTOR_PORT)' },
    host: { type: 'string', description: 'address to bind (default 127.0.0.1; LOGSEAL_COLLECTOR_HOST)' },
    data: { type: 'string', description: 'data directory (LOGSEAL_COLLECTOR_DATA)' },
    keys: { type: 'string', description: 'key file, keys.json from keygen (LOGSEAL_COLLECTOR_KEYS)' },
    config: { type: 'string', description: 'JSON file of collector options (docs/collector.md)' },
    'tls-cert': { type: 'string', description: 'serve HTTPS with this certificate (PEM)' },
    'tls-key': { type: 'string', description: 'private key of the certificate (PEM)' },
    'tls-ca': { type: 'string', description: 'CA (PEM) that client certificates must chain to: requires client certificates' },
    'max-body': { type: 'string', description: 'largest accepted request body in bytes' },
  },
  help: 'Stops gracefully on SIGTERM or SIGINT: in-flight requests finish, a last checkpoint is signed.',
  async run(values, _pos, io) {
    let config: Record<string, unknown> = {};
    if (typeof values.config === 'string') {
      try {
        config = JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new LogSealError('LOGSEAL_ERR_INVALID_OPTION', `collector: cannot read config ${values.config}: ${(err as Error).message}`);
      }
      if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new UsageError('collector: the config file must hold a JSON object');
    }
    const env = io.env;
    const pick = (flag: string, envName: string): string | undefined => (values[flag] as string | undefined) ?? (env[envName] || undefined);
    const port = pick('port', 'LOGSEAL_COLLECTOR_PORT');
    if (port !== undefined) config.port = intOption('collector', { port }, 'port', 8080);
    else config.port ??= 8080;
    config.host = pick('host', 'LOGSEAL_COLLECTOR_HOST') ?? config.host ?? '127.0.0.1';
    const data = pick('data', 'LOGSEAL_COLLECTOR_DATA');
    if (data !== undefined) config.dataDir = data;
    const keys = pick('keys', 'LOGSEAL_COLLECTOR_KEYS');
    if (keys !== undefined) config.keys = keys; // the collector reads the key file (core's keys/v1 format)
    if (config.dataDir === undefined) throw new UsageError('collector: option --data is required');
    if (config.keys === undefined) throw new UsageError('collector: option --keys is required');
    if (values['tls-cert'] !== undefined || values['tls-key'] !== undefined) {
      if (values['tls-cert'] === undefined || values['tls-key'] === undefined) throw new UsageError('collector: --tls-cert and --tls-key go together');
      const tls: Record<string, unknown> = { cert: readFileSync(values['tls-cert'] as string), key: readFileSync(values['tls-key'] as string) };
      if (values['tls-ca'] !== undefined) Object.assign(tls, { ca: readFileSync(values['tls-ca'] as string), requestCert: true });
      config.tls = tls;
    }
    if (values['max-body'] !== undefined) config.limits = { ...((config.limits as object | undefined) ?? {}), maxBodyBytes: intOption('collector', values, 'max-body', 0) };
    const { createCollector } = await import('../index.js');
    const c = createCollector(config as never);
    const { url } = await c.listen();
    io.stdout.write(`logseal collector listening on ${url} (data ${String(config.dataDir)})\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    await c.close();
    io.stdout.write('logseal collector stopped\n');
    return 0;
  },
};
