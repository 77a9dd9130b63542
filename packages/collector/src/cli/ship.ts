import { createPipeline, pipelineOptionsFromConfig, type TransportConfig } from '@logseal/core';
import { type Command } from './args.js';
import { lines, parseLine } from './ndjson-io.js';

/** `logseal ship`: NDJSON on stdin -> redact, chain, seal, ship (`node app.js | logseal ship --url ...`). */
export const ship: Command = {
  name: 'ship',
  usage: 'ship --url URL [--preset P] [--format F] [--spool DIR] < app.ndjson',
  summary: 'Read NDJSON log lines on stdin (any language, pino\'s classic pipe style) and ship them sealed.',
  options: {
    url: { type: 'string', description: 'sink URL (or LOGSEAL_URL)' },
    preset: { type: 'string', description: 'redaction preset (or LOGSEAL_PRESET; default secrets)' },
    format: { type: 'string', description: 'wire format (default logseal)' },
    key: { type: 'string', description: 'Ed25519 signing key file (or LOGSEAL_SIGNING_KEY_FILE)' },
    'mac-key': { type: 'string', description: 'MAC key file (or LOGSEAL_MAC_KEY_FILE)' },
    spool: { type: 'string', description: 'disk spool directory (or LOGSEAL_SPOOL_DIR)' },
    token: { type: 'string', description: 'bearer token (or LOGSEAL_TOKEN)' },
    service: { type: 'string', description: 'service name for the first seal' },
    'index': { type: 'string', description: 'elasticsearch index (format elasticsearch)' },
  },
  help: 'Exit status: 0 when everything was delivered; 1 when close() timed out (records left in the spool or lost, counted on stderr).',
  async run(values, _pos, io) {
    const cfg: TransportConfig = {};
    if (typeof values.url === 'string') cfg.url = values.url;
    if (typeof values.preset === 'string') cfg.preset = values.preset;
    if (typeof values.format === 'string') cfg.format = values.format;
    if (typeof values.key === 'string') cfg.signingKeyFile = values.key;
    if (typeof values['mac-key'] === 'string') cfg.macKeyFile = values['mac-key'];
    if (typeof values.spool === 'string') cfg.spool = { dir: values.spool };
    if (typeof values.token === 'string') cfg.token = values.token;
    if (typeof values.service === 'string') cfg.service = values.service;
    if (typeof values.index === 'string') cfg.formatOptions = { index: values.index };
    const pipeline = createPipeline(pipelineOptionsFromConfig(cfg, io.env));
    for await (const line of lines(io.stdin)) {
      if (line.length === 0) continue;
      await pipeline.writeAsync(parseLine(line).value);
    }
    const res = await pipeline.close();
    const st = pipeline.stats();
    io.stderr.write(`shipped ${st.recordsSent}/${st.recordsIn} records in ${st.batchesSent} batches (stream ${pipeline.sid}); redacted ${st.redactions} value(s)` +
      `${st.recordsDropped > 0 ? `; dropped ${st.recordsDropped}` : ''}${res.spooledBatches > 0 ? `; ${res.spooledBatches} batch(es) left in the spool` : ''}${res.lostRecords > 0 ? `; LOST ${res.lostRecords}` : ''}\n`);
    return res.delivered ? 0 : 1;
  },
};
