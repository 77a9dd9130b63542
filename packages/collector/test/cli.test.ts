import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeyFile } from '@logseal/core';

// The `logseal` command line end to end, in child processes (built CLI: turbo builds before tests).
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'logseal-cli-'));

function run(args: string[], input = '', env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

// Real-format fake secrets (the GitHub token carries a valid CRC32 checksum: see core's validators).
const AWS = 'AKIA' + 'QWERTYUIOPASDFGH';
const LOG = [
  JSON.stringify({ level: 30, time: 1_767_225_600_000, msg: 'user logged in', user: 'alice' }),
  JSON.stringify({ level: 40, time: 1_767_225_601_000, msg: `aws key ${AWS} in use`, password: 'correct horse battery staple' }),
  'plain text line with password=Sup3rS3cretValue!x',
  JSON.stringify({ level: 30, time: 1_767_225_602_000, msg: 'done' }),
].join('\n') + '\n';

describe('logseal CLI', () => {
  const keys = join(dir, 'keys');

  it('keygen writes 0600 key files the verifier can read', async () => {
    const r = await run(['keygen', '--out', keys]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/key id ed25519-[0-9a-f]{16}/);
    for (const f of ['signing-key.pem', 'mac-key', 'keys.json']) expect((statSync(join(keys, f)).mode & 0o777).toString(8)).toBe('600');
    expect(readKeyFile(join(keys, 'keys.json'))).toHaveLength(1);
    const again = await run(['keygen', '--out', keys]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('LOGSEAL_ERR_INVALID_OPTION');
  });

  it('seal | verify: clean export verifies (exit 0); an edited line is named (exit 1)', async () => {
    const sealed = await run(['seal', '--key', join(keys, 'signing-key.pem'), '--mac-key', join(keys, 'mac-key'), '--batch', '2'], LOG);
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).not.toContain(AWS);
    expect(sealed.stdout).not.toContain('Sup3rS3cretValue');
    const file = join(dir, 'sealed.ndjson');
    writeFileSync(file, sealed.stdout);
    const ok = await run(['verify', file, '--key', join(keys, 'keys.json'), '--require-final', '--canonical']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('4/4 records valid');
    expect(ok.stdout).toContain('VERIFIED');
    const json = await run(['verify', file, '--key', join(keys, 'keys.json'), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, records: { total: 4, valid: 4 } });
    const lines = sealed.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('"msg":"done"'));
    lines[at] = lines[at]!.replace('"done"', '"undone"');
    writeFileSync(file, lines.join('\n'));
    const bad = await run(['verify', file, '--key', join(keys, 'keys.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`ERROR RECORD_MODIFIED \\(stream [^,]+, seq 3, line ${at + 1}\\)`));
    expect(bad.stdout).toContain('NOT VERIFIED');
  });

  it('redact cleans NDJSON and text lines', async () => {
    const r = await run(['redact', '--summary'], LOG);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(AWS);
    expect(r.stdout).not.toContain('correct horse');
    expect(r.stdout).not.toContain('Sup3rS3cretValue');
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(4);
    expect(r.stderr).toMatch(/redacted 4 lines: \{.*"secret":\d+/);
  });

  it('ship sends stdin to a sink, sealed; the sink\'s copy verifies', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => {
        bodies.push(b);
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const r = await run(['ship', '--url', `http://127.0.0.1:${port}/v1/batches`, '--key', join(keys, 'signing-key.pem')], LOG, { LOGSEAL_MAC_KEY_FILE: join(keys, 'mac-key') });
    server.close();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('shipped 4/4 records');
    const file = join(dir, 'shipped.ndjson');
    writeFileSync(file, bodies.join(''));
    expect(readFileSync(file, 'utf8')).not.toContain(AWS);
    const v = await run(['verify', file, '--key', join(keys, 'keys.json'), '--require-final']);
    expect(v.code).toBe(0);
  });

  it('collector | ship | verify DIR: the stored data verifies, a saved checkpoint stays consistent, an edit is located', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as { port: number }).port;
    await new Promise<void>((r) => free.close(() => r()));
    const data = join(dir, 'collector-data');
    const col = spawn(process.execPath, [CLI, 'collector', '--port', String(port), '--data', data, '--keys', join(keys, 'keys.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        col.stdout.on('data', (d) => String(d).includes('listening') && resolve());
        col.on('exit', (c) => reject(new Error(`collector exited ${c}`)));
      });
      const url = `http://127.0.0.1:${port}`;
      const shipped = await run(['ship', '--url', `${url}/v1/batches`, '--key', join(keys, 'signing-key.pem'), '--mac-key', join(keys, 'mac-key')], LOG.repeat(50));
      expect(shipped.stderr).toContain('shipped 200/200 records');
      expect(shipped.code).toBe(0);
      const cp = await fetch(`${url}/v1/checkpoint`);
      expect(cp.status).toBe(200);
      writeFileSync(join(dir, 'checkpoint.txt'), await cp.text());
      // a second process ships more: the log grows past the saved checkpoint
      expect((await run(['ship', '--url', `${url}/v1/batches`, '--key', join(keys, 'signing-key.pem'), '--mac-key', join(keys, 'mac-key')], LOG)).code).toBe(0);
    } finally {
      col.kill('SIGTERM');
      await new Promise((r) => col.on('close', r));
    }
    const ok = await run(['verify', data, '--key', join(keys, 'keys.json'), '--require-final', '--canonical', '--checkpoint', join(dir, 'checkpoint.txt')]);
    expect(ok.stdout).toContain('204/204 records valid');
    expect(ok.stdout).toMatch(/Transparency log of .*: 2 seal\(s\)|Transparency log of .* consistent/);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    // an insider edits one stored record
    const { readdirSync, chmodSync } = await import('node:fs');
    const streamsDir = join(data, 'streams');
    const sdir = join(streamsDir, readdirSync(streamsDir).sort()[0]!);
    const seg = readdirSync(sdir).filter((n) => n.startsWith('seg')).sort()[0]!;
    const segPath = join(sdir, seg);
    chmodSync(segPath, 0o644);
    const text = readFileSync(segPath, 'utf8');
    writeFileSync(segPath, text.replace('"msg":"done"', '"msg":"gone"'));
    const bad = await run(['verify', data, '--key', join(keys, 'keys.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/ERROR RECORD_MODIFIED \(stream [^,]+, seq 3, .*seg[^ ]* at byte \d+\)/);
  });

  it('--help on every command, coded usage errors with exit 2', async () => {
    for (const c of ['collector', 'ship', 'redact', 'seal', 'verify', 'keygen']) {
      const h = await run([c, '--help']);
      expect(h.code, c).toBe(0);
      expect(h.stdout).toContain(`Usage: logseal ${c}`);
    }
    expect((await run(['--help'])).stdout).toContain('Commands:');
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const noKey = await run(['seal'], LOG);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('LOGSEAL_ERR_INVALID_OPTION');
    const badOpt = await run(['verify', '--bogus', 'x']);
    expect(badOpt.code).toBe(2);
    expect(badOpt.stderr).toContain('--bogus');
    const missing = await run(['verify', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    const noUrl = await run(['ship', '--key', join(keys, 'signing-key.pem')], LOG, { LOGSEAL_URL: '' });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('LOGSEAL_URL');
  });
});

afterAll(() => undefined);
