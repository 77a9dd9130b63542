import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineOptionsFromConfig } from '../src/config.js';
import { exportKeys, generateKeys } from '../src/integrity/keys.js';

const keys = exportKeys(generateKeys());
const seed = Buffer.alloc(32, 7).toString('base64url');

describe('transport config', () => {
  it('reads everything from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logseal-cfg-'));
    writeFileSync(join(dir, 'sk.pem'), keys.privateKeyPem);
    writeFileSync(join(dir, 'mac'), keys.macKey + '\n');
    const o = pipelineOptionsFromConfig({}, {
      LOGSEAL_URL: 'https://collector.example:8443/v1/ingest', LOGSEAL_PRESET: 'pci', LOGSEAL_SIGNING_KEY_FILE: join(dir, 'sk.pem'),
      LOGSEAL_MAC_KEY_FILE: join(dir, 'mac'), LOGSEAL_TOKEN: 't0k', LOGSEAL_SPOOL_DIR: join(dir, 'spool'), LOGSEAL_SERVICE: 'checkout',
      LOGSEAL_KID: 'host-1', LOGSEAL_FORMAT: 'ndjson',
    });
    expect(o).toMatchObject({
      url: 'https://collector.example:8443/v1/ingest', format: 'ndjson', redact: { preset: "pci" }, signingKey: keys.privateKeyPem.trim(),
      macKey: keys.macKey, kid: 'host-1', http: { auth: { bearer: 't0k' } }, spool: { dir: join(dir, 'spool') }, service: 'checkout',
    });
    expect(typeof o.host).toBe('string');
  });

  it('explicit options win over the environment', () => {
    const o = pipelineOptionsFromConfig({ url: 'http://127.0.0.1:1/', preset: 'gdpr', macKey: keys.macKey, service: 'api' }, { LOGSEAL_URL: 'http://other/', LOGSEAL_PRESET: 'pci', LOGSEAL_SERVICE: 'x' });
    expect(o).toMatchObject({ url: 'http://127.0.0.1:1/', redact: { preset: 'gdpr' }, service: 'api' });
    const p = pipelineOptionsFromConfig({ url: 'http://h/', macKey: keys.macKey, redact: { preset: 'strict' } as never, preset: 'pci' }, {});
    expect(p.redact).toMatchObject({ preset: 'strict' });
    expect(pipelineOptionsFromConfig({ url: 'http://h/', signingKey: seed }, {}).signingKey).toBeInstanceOf(Uint8Array);
  });

  it('names what is missing or malformed, with codes', () => {
    expect(() => pipelineOptionsFromConfig({ macKey: keys.macKey }, {})).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_INVALID_OPTION', message: expect.stringContaining('LOGSEAL_URL') }));
    expect(() => pipelineOptionsFromConfig({ url: 'http://h/' }, {})).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_MISSING' }));
    expect(() => pipelineOptionsFromConfig({ url: 'http://h/', signingKey: 'not-a-key' }, {})).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT', message: expect.stringContaining('signingKey') }));
    expect(() => pipelineOptionsFromConfig({ url: 'http://h/', macKeyFile: '/nonexistent/mac' }, {})).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_KEY_FORMAT', message: expect.stringContaining('macKeyFile') }));
    expect(() => pipelineOptionsFromConfig({ url: 5 as never, macKey: 'x' }, {})).toThrow(expect.objectContaining({ message: expect.stringContaining('"url"') }));
  });

  it('is plain data: it survives structured clone', () => {
    const cfg = { url: 'http://h/', macKey: keys.macKey, preset: 'pci', batch: { maxRecords: 10 } };
    expect(pipelineOptionsFromConfig(structuredClone(cfg), {})).toEqual(pipelineOptionsFromConfig(cfg, {}));
  });
});
