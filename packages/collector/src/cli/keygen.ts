import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportKeys, generateKeys, keyFileFor } from '@logseal/core';
import { type Command, UsageError } from './args.js';

/** `logseal keygen`: an Ed25519 key pair and a MAC provisioning key, files 0600. */
export const keygen: Command = {
  name: 'keygen',
  usage: 'keygen [--out DIR] [--force]',
  summary: 'Create an Ed25519 signing key pair and a forward-secure MAC provisioning key.',
  options: {
    out: { type: 'string', description: 'directory to write to (default: ./logseal-keys)' },
    force: { type: 'boolean', description: 'overwrite existing key files' },
  },
  help: [
    'Writes (all mode 0600):',
    '  signing-key.pem   PKCS#8 Ed25519 private key: the producer\'s (LOGSEAL_SIGNING_KEY_FILE)',
    '  mac-key           MAC provisioning key k[0], base64url: the producer\'s (LOGSEAL_MAC_KEY_FILE);',
    '                    for forward security, remove it from the host after the first start',
    '                    (the chain state then holds the evolving key)',
    '  keys.json         the verifier\'s and collector\'s key file: public key and k[0] (--keys / --key)',
  ].join('\n'),
  async run(values, _pos, io) {
    const dir = resolve(typeof values.out === 'string' ? values.out : 'logseal-keys');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = ['signing-key.pem', 'mac-key', 'keys.json'].map((f) => join(dir, f));
    if (values.force !== true) {
      const there = files.filter((f) => existsSync(f));
      if (there.length > 0) throw new UsageError(`keygen: ${there.join(', ')} exists (use --force to overwrite)`);
    }
    const keys = generateKeys();
    const ex = exportKeys(keys);
    const contents = [ex.privateKeyPem, ex.macKey + '\n', JSON.stringify(keyFileFor(keys), null, 2) + '\n'];
    files.forEach((f, i) => {
      writeFileSync(f, contents[i]!, { mode: 0o600 });
      chmodSync(f, 0o600); // an existing file keeps its mode on overwrite
    });
    io.stdout.write(`key id ${ex.kid}\n${files.map((f) => `wrote ${f}`).join('\n')}\n`);
    return 0;
  },
};
