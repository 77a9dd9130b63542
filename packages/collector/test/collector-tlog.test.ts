/**
 * The transparency log (issue 6, item 3): an RFC 6962 tree over accepted seals, signed
 * checkpoints in the C2SP tlog-checkpoint / signed-note format, and the proofs an auditor
 * checks with core's verifyInclusion / verifyConsistency, including across a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { MerkleLog, verifyConsistency, verifyInclusion } from '@logseal/core';
import { checkpointText, parseCheckpoint, signCheckpoint, verifierKey, verifyCheckpoint } from '../src/collector/checkpoint.js';
import { auditLog, readCheckpoints } from '../src/collector/data-dir.js';
import { TlogTree, tlogLeafHash } from '../src/collector/tlog-tree.js';
import { mulberry32 } from './helpers/random.js';
import { postBatch, Producer, removeTempDirs, send, startCollector, stopCollectors } from './helpers/collector-harness.js';

afterEach(async () => {
  await stopCollectors();
  removeTempDirs();
});

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const leafOf = (i: number): Uint8Array => new Uint8Array(createHash('sha256').update(`leaf ${i}`).digest());

describe('TlogTree (stored perfect subtrees)', () => {
  it('agrees with core MerkleLog on roots and proofs for every size up to 70, and proofs verify', () => {
    const tree = new TlogTree();
    const ref = new MerkleLog();
    for (let n = 1; n <= 70; n++) {
      tree.append(leafOf(n));
      ref.append(leafOf(n));
      expect(tree.root()).toEqual(Buffer.from(ref.root()));
      for (let m = 1; m <= n; m++) {
        expect(tree.root(m)).toEqual(Buffer.from(ref.root(m)));
        expect(tree.consistencyProof(m, n).map((b) => Buffer.from(b).toString('hex'))).toEqual(ref.consistencyProof(m, n).map((b) => Buffer.from(b).toString('hex')));
        expect(verifyConsistency(m, n, tree.consistencyProof(m, n), tree.root(m), tree.root(n))).toBe(true);
      }
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        expect(proof.map((b) => Buffer.from(b).toString('hex'))).toEqual(ref.inclusionProof(i, n).map((b) => Buffer.from(b).toString('hex')));
        expect(verifyInclusion(i, n, leafOf(i + 1), proof, tree.root(n))).toBe(true);
      }
    }
  });

  it('matches at random large sizes (seeded)', () => {
    const rnd = mulberry32(6);
    const tree = new TlogTree();
    const ref = new MerkleLog();
    for (let i = 0; i < 3000; i++) {
      tree.append(leafOf(i));
      ref.append(leafOf(i));
    }
    for (let k = 0; k < 40; k++) {
      const n = 1 + Math.floor(rnd() * 3000);
      const m = 1 + Math.floor(rnd() * n);
      const i = Math.floor(rnd() * n);
      expect(verifyInclusion(i, n, leafOf(i), tree.inclusionProof(i, n), Buffer.from(ref.root(n)))).toBe(true);
      expect(verifyConsistency(m, n, tree.consistencyProof(m, n), Buffer.from(ref.root(m)), Buffer.from(ref.root(n)))).toBe(true);
    }
  });
});

describe('checkpoints (C2SP signed note)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const cp = signCheckpoint({ origin: 'example.com/log', size: 5, root: new Uint8Array(32).fill(7), timestamp: 1_767_225_600_000 }, privateKey);

  it('has the tlog-checkpoint text and a signed-note signature line that verifies', () => {
    expect(checkpointText(cp)).toBe(`example.com/log\n5\n${Buffer.alloc(32, 7).toString('base64')}\ntimestamp 1767225600000\n`);
    const [text, sigLine] = cp.note.split('\n\n') as [string, string];
    expect(`${text}\n`).toBe(checkpointText(cp));
    expect(sigLine).toMatch(/^\u2014 example\.com\/log [A-Za-z0-9+/]+=*\n$/);
    const raw = Buffer.from(sigLine.trim().split(' ')[2]!, 'base64');
    expect(raw.length).toBe(4 + 64); // key ID || Ed25519 signature
    expect(verifyCheckpoint(cp.note, publicKey)).toMatchObject({ origin: 'example.com/log', size: 5, timestamp: 1_767_225_600_000 });
    expect(verifyCheckpoint(cp.note, verifierKey('example.com/log', publicKey)).size).toBe(5);
    expect(verifierKey('example.com/log', publicKey)).toMatch(/^example\.com\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
  });

  it('rejects a tampered note, another key, another origin and malformed notes (LOGSEAL_ERR_CHECKPOINT)', () => {
    const fail = (f: () => unknown): void => void expect(f).toThrow(expect.objectContaining({ code: 'LOGSEAL_ERR_CHECKPOINT' }));
    fail(() => verifyCheckpoint(cp.note.replace('\n5\n', '\n6\n'), publicKey));
    fail(() => verifyCheckpoint(cp.note, generateKeyPairSync('ed25519').publicKey));
    fail(() => verifyCheckpoint(cp.note, publicKey, { origin: 'other.example/log' }));
    fail(() => verifyCheckpoint(cp.note.replace('\n\n', '\n'), publicKey));
    fail(() => parseCheckpoint('x\n\n'));
    fail(() => parseCheckpoint(cp.note.replace('timestamp', 'time')));
    // A signature by the right key over other text is still refused.
    const body = checkpointText({ ...cp, size: 9 });
    const forged = `${checkpointText(cp)}\n\u2014 example.com/log ${Buffer.concat([Buffer.from(cp.note.split('\u2014 example.com/log ')[1]!, 'base64').subarray(0, 4), sign(null, Buffer.from(body), privateKey)]).toString('base64')}\n`;
    fail(() => verifyCheckpoint(forged, publicKey));
  });
});

describe('collector transparency endpoints', () => {
  it('lets an auditor holding an old checkpoint verify consistency to a new one and inclusion of a seal, across a restart', async () => {
    const r = await startCollector();
    const p = new Producer({ sid: 'audited' });
    const q = new Producer({ sid: 'other' });
    for (let b = 0; b < 5; b++) {
      expect((await postBatch(r, p.batch(2))).status).toBe(200);
      expect((await postBatch(r, q.batch(1))).status).toBe(200);
    }
    const log = (await send(`${r.address.url}/v1/log`)).json;
    const oldNote = (await send(`${r.address.url}/v1/checkpoint`)).text;
    const old = verifyCheckpoint(oldNote, log.verifierKey);
    expect(old.size).toBe(10);
    expect(old.origin).toBe(log.origin);

    // The log grows, the collector restarts, the log grows again.
    for (let b = 0; b < 3; b++) expect((await postBatch(r, p.batch(2))).status).toBe(200);
    await r.collector.close();
    const again = await startCollector({ dataDir: r.dataDir });
    for (let b = 0; b < 4; b++) expect((await postBatch(again, q.batch(3))).status).toBe(200);
    const json = (await send(`${again.address.url}/v1/checkpoint?format=json`)).json;
    const now = verifyCheckpoint(json.note, log.verifierKey); // same signing key after the restart
    expect(now.size).toBe(17);
    expect(json.rootHash).toBe(Buffer.from(now.root).toString('hex'));

    const cons = (await send(`${again.address.url}/v1/proof/consistency?from=${old.size}&to=${now.size}`)).json;
    expect(verifyConsistency(old.size, now.size, cons.proof.map(fromHex), old.root, now.root)).toBe(true);
    expect(verifyConsistency(old.size, now.size, cons.proof.map(fromHex), new Uint8Array(32), now.root)).toBe(false);

    // Inclusion of batch 3 of "audited" in the new checkpoint: the leaf is the hash of the seal line the auditor holds.
    const inc = (await send(`${again.address.url}/v1/proof/inclusion?sid=audited&batch=3`)).json;
    expect(inc).toMatchObject({ sid: 'audited', batch: 3, treeSize: now.size, checkpoint: json.note });
    expect(tlogLeafHash(inc.seal).toString('hex')).toBe(inc.leafHash);
    expect(JSON.parse(inc.seal)).toMatchObject({ type: 'seal', sid: 'audited', batch: 3 });
    expect(verifyInclusion(inc.leafIndex, inc.treeSize, fromHex(inc.leafHash), inc.proof.map(fromHex), now.root)).toBe(true);
    // ... and in the OLD checkpoint, for a leaf it covers.
    const incOld = (await send(`${again.address.url}/v1/proof/inclusion?index=3&size=${old.size}`)).json;
    expect(verifyInclusion(3, old.size, fromHex(incOld.leafHash), incOld.proof.map(fromHex), old.root)).toBe(true);

    // Bad queries.
    expect((await send(`${again.address.url}/v1/proof/consistency?from=0`)).json.error.code).toBe('bad_query');
    expect((await send(`${again.address.url}/v1/proof/consistency?from=5&to=999`)).status).toBe(400);
    expect((await send(`${again.address.url}/v1/proof/inclusion?sid=audited&batch=99`)).status).toBe(404);
    expect((await send(`${again.address.url}/v1/proof/inclusion?index=abc`)).status).toBe(400);

    await again.collector.close();
    // Offline: the data directory's log re-derived from the stored seals matches every published checkpoint.
    const audit = await auditLog(r.dataDir, { publicKey: log.verifierKey });
    expect(audit).toMatchObject({ ok: true, size: 17, problems: [] });
    const cps = await readCheckpoints(r.dataDir);
    expect(cps.map((c) => c.size)).toEqual([10, 13, 17]); // on demand, at close, on demand
  });

  it('publishes checkpoints on its interval when the log grew', async () => {
    const r = await startCollector({ checkpointIntervalMs: 30 });
    const p = new Producer();
    expect((await postBatch(r, p.batch(1))).status).toBe(200);
    const until = Date.now() + 10_000;
    while (r.collector.stats().checkpointSize < 1 && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
    expect(r.collector.stats().checkpointSize).toBe(1);
  });
});
