import { readFileSync } from 'node:fs';
import { createRedactor, LogSealError, recordTime, redactForChain, StreamSealer } from '@logseal/core';
import { type Command, intOption, UsageError } from './args.js';
import { lines, parseLine, writeLine } from './ndjson-io.js';

/** A signing key file: PKCS#8 PEM, or base64url of a raw 32-byte seed. */
export function readSigningKey(path: string): string | Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', `cannot read signing key ${path}`, { cause: err });
  }
  if (text.includes('-----BEGIN')) return text;
  const raw = Buffer.from(text, 'base64url');
  if (raw.length !== 32) throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', `${path}: expected a PKCS#8 PEM or base64url 32-byte seed`);
  return new Uint8Array(raw);
}

/** `logseal seal`: NDJSON in, sealed NDJSON out (records and seals), for archiving. */
export const seal: Command = {
  name: 'seal',
  usage: 'seal --key FILE [--mac-key FILE] [--preset P] [--batch N] < in.ndjson > sealed.ndjson',
  summary: 'Redact, hash-chain and seal NDJSON log lines; the output verifies with `logseal verify`.',
  options: {
    key: { type: 'string', description: 'Ed25519 signing key file (signing-key.pem from keygen)' },
    'mac-key': { type: 'string', description: 'MAC provisioning key file (mac-key from keygen)' },
    preset: { type: 'string', description: 'redaction preset (default secrets)' },
    batch: { type: 'string', description: 'records per sealed batch (default 1000)' },
    service: { type: 'string', description: 'service name recorded in the first seal' },
  },
  async run(values, _pos, io) {
    const key = values.key as string | undefined;
    const macFile = values['mac-key'] as string | undefined;
    if (key === undefined && macFile === undefined) throw new UsageError('seal: give --key and/or --mac-key');
    const batch = intOption('seal', values, 'batch', 1000);
    const sealer = new StreamSealer({
      ...(key !== undefined ? { signingKey: readSigningKey(key) } : {}),
      ...(macFile !== undefined ? { macKey: readFileSync(macFile, 'utf8').trim() } : {}),
      ...(typeof values.service === 'string' ? { service: values.service } : {}),
    });
    const redactor = createRedactor({ preset: (values.preset as string | undefined) ?? 'secrets' } as never);
    let n = 0;
    for await (const line of lines(io.stdin)) {
      if (line.length === 0) continue;
      const { value } = parseLine(line);
      const { bodyJson } = redactForChain(redactor, value, n++);
      await writeLine(io.stdout, sealer.appendCanonical(bodyJson, undefined, recordTime(value, Date.now)).json);
      if (sealer.pending >= batch) await writeLine(io.stdout, sealer.seal().json);
    }
    await writeLine(io.stdout, sealer.seal({ final: true }).json);
    return 0;
  },
};
