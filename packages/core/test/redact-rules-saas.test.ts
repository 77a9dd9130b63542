/**
 * The SaaS rule catalogue: shape, every rule's own positives and negatives, the extent
 * of the redacted `secret` group, public-by-design values, and linear-time behaviour
 * on hostile ~100 KB near-misses (run in a worker so a runaway regex can be killed).
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Rule } from '../src/redact/rule.js';
import { CLOUD_RULES } from '../src/redact/rules-cloud.js';
import { GENERIC_RULES } from '../src/redact/rules-generic.js';
import { PII_RULES } from '../src/redact/pii-rules.js';
import { SAAS_RULES } from '../src/redact/rules-saas.js';
import { shannonEntropy } from '../src/redact/validators.js';

interface Finding {
  readonly match: string;
  readonly secret: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Applies one rule to one string as the scanner will: keyword gate on the lowercased
 * text, then the pattern, then validate and minEntropy on the secret part. A fresh
 * RegExp (with the 'd' flag for group offsets) keeps the rule's own lastIndex untouched.
 */
function scan(rule: Rule, text: string, gate = true): Finding[] {
  if (gate) {
    const lower = text.toLowerCase();
    if (!rule.keywords.some((k) => lower.includes(k))) return [];
  }
  const re = new RegExp(rule.pattern.source, rule.pattern.flags + 'd');
  const out: Finding[] = [];
  for (const m of text.matchAll(re)) {
    const span = m.indices?.groups?.['secret'] ?? m.indices?.[0];
    if (span === undefined) throw new Error('no match indices');
    const [start, end] = span;
    const secret = text.slice(start, end);
    if (rule.validate !== undefined && !rule.validate(secret, text, start, end)) continue;
    if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) continue;
    out.push({ match: m[0], secret, start, end });
  }
  return out;
}

function redact(text: string, findings: readonly Finding[]): string {
  let out = text;
  for (const f of [...findings].sort((a, b) => b.start - a.start)) out = out.slice(0, f.start) + '[REDACTED]' + out.slice(f.end);
  return out;
}

const byId = new Map(SAAS_RULES.map((r) => [r.id, r]));
function rule(id: string): Rule {
  const r = byId.get(id);
  if (r === undefined) throw new Error(`no rule ${id}`);
  return r;
}

describe('SAAS_RULES catalogue shape', () => {
  it('has at least 75 rules with unique kebab-case ids', () => {
    expect(SAAS_RULES.length).toBeGreaterThanOrEqual(75);
    const ids = SAAS_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });

  it('shares no id with the cloud, generic or PII catalogues (ids are unique catalogue-wide)', () => {
    const others = new Set([...CLOUD_RULES, ...GENERIC_RULES, ...PII_RULES].map((r) => r.id));
    expect(SAAS_RULES.map((r) => r.id).filter((id) => others.has(id))).toEqual([]);
  });

  it.each(SAAS_RULES.map((r) => [r.id, r] as const))('%s is a well-formed secret rule', (_id, r) => {
    expect(r.class).toBe('secret');
    expect(r.description.length).toBeGreaterThan(10);
    expect(r.description).not.toMatch(/\n/);
    expect(r.keywords.length).toBeGreaterThan(0);
    for (const k of r.keywords) {
      expect(k).toBe(k.toLowerCase());
      expect(k.trim()).toBe(k === 'bot ' ? 'bot' : k);
      expect(k.length).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(r.keywords).size).toBe(r.keywords.length);
    expect(r.pattern.global).toBe(true);
    expect(r.pattern.sticky).toBe(false);
    expect(r.pattern.source).toContain('(?<secret>');
    expect(r.positives.length).toBeGreaterThan(0);
    expect(r.negatives.length).toBeGreaterThan(0);
    if (r.minEntropy !== undefined) expect(r.minEntropy).toBeGreaterThan(0);
  });
});

/** Literals that a format glues directly in front of the token. */
const GLUED_LEFT: Readonly<Record<string, string>> = { 'telegram-bot-token': 'bot' };

describe.each(SAAS_RULES.map((r) => [r.id, r] as const))('rule %s', (_id, r) => {
  it.each(r.positives.map((p) => [p]))('detects %s', (p) => {
    const lower = p.toLowerCase();
    expect(r.keywords.some((k) => lower.includes(k))).toBe(true);
    const found = scan(r, p);
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) {
      // The keyword gate is sound only if every true match contains a keyword.
      expect(r.keywords.some((k) => f.match.toLowerCase().includes(k))).toBe(true);
      expect(f.secret.length).toBeGreaterThanOrEqual(8);
      expect(f.secret).not.toMatch(/[\s"'\\]/);
      // The secret is a whole token: no alphanumeric glued to either side of it (except a
      // literal the format itself glues on, such as Telegram's /bot<token> URL path).
      const glued = GLUED_LEFT[r.id];
      if (glued === undefined || p.slice(f.start - glued.length, f.start) !== glued) {
        expect(p.slice(f.start - 1, f.start)).not.toMatch(/[A-Za-z0-9]/);
      }
      expect(p.slice(f.end, f.end + 1)).not.toMatch(/[A-Za-z0-9]/);
    }
    // Redacting the secret part removes every finding of this rule.
    expect(scan(r, redact(p, found))).toEqual([]);
  });

  it.each(r.negatives.map((n) => [n]))('ignores %s', (n) => {
    // Pattern-level: the near-miss must fail even when the keyword gate lets it through.
    expect(scan(r, n, false)).toEqual([]);
  });
});

describe('secret group covers the credential, not the surrounding URL or key name', () => {
  const cases: ReadonlyArray<readonly [string, (p: string) => string]> = [
    ['slack-webhook-url', (p) => /\/services\/([^\s"]+)/.exec(p)?.[1] ?? ''],
    ['slack-workflow-webhook-url', (p) => /\/(?:workflows|triggers)\/([^\s"]+)/.exec(p)?.[1] ?? ''],
    ['discord-webhook-url', (p) => /\/webhooks\/[0-9]+\/([A-Za-z0-9_-]+)/.exec(p)?.[1] ?? ''],
    ['msteams-incoming-webhook', (p) => /\/webhookb?2?\/([^\s"]+)/.exec(p)?.[1] ?? ''],
    ['msteams-workflow-webhook', (p) => /[?&]sig=([^&\s"]+)/.exec(p)?.[1] ?? ''],
    ['power-automate-webhook', (p) => /[?&]sig=([^&\s"]+)/.exec(p)?.[1] ?? ''],
    ['sumologic-http-source-url', (p) => /\/(?:http|otlp)\/([A-Za-z0-9_=-]+)/.exec(p)?.[1] ?? ''],
    ['zapier-webhook-url', (p) => /\/catch\/([0-9]+\/[a-z0-9]+)/.exec(p)?.[1] ?? ''],
    ['sentry-dsn-secret', (p) => /:\/\/[0-9a-f]{32}:([0-9a-f]{32})@/.exec(p)?.[1] ?? ''],
    ['telegram-bot-token', (p) => /([0-9]{8,10}:AA[A-Za-z0-9_-]{33})/.exec(p)?.[1] ?? ''],
    ['datadog-api-key', (p) => /([0-9a-f]{32})/.exec(p)?.[1] ?? ''],
    ['postmark-server-token', (p) => /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(p)?.[1] ?? ''],
    ['mailgun-api-key', (p) => /(key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})/.exec(p)?.[1] ?? ''],
    ['stripe-secret-key', (p) => /(sk_(?:live|test)_[A-Za-z0-9]+)/.exec(p)?.[1] ?? ''],
    ['adyen-api-key', (p) => /(AQE[^\s'"]+)/.exec(p)?.[1] ?? ''],
    ['discord-bot-token', (p) => /[=\s]([^\s=]+)$/.exec(p)?.[1] ?? ''],
    ['splunk-hec-token', (p) => /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(p)?.[1] ?? ''],
  ];
  it.each(cases)('%s', (id, expected) => {
    const r = rule(id);
    for (const p of r.positives) {
      const want = expected(p);
      expect(want.length).toBeGreaterThan(8);
      expect(scan(r, p).map((f) => f.secret)).toEqual([want]);
    }
  });
});

describe('public-by-design values are not flagged by any SaaS rule', () => {
  const publicValues = [
    'STRIPE_PUBLISHABLE_KEY=pk_live_51Lcm6Kl9xNFWxJXmfcet2dDHIgssEOxzu3hXPvfbVLX7KJZxy90RjXrPvxRvk5ZakB3RbrIw1QgBbz2y8cjGrWSWQOZ74MNWxT',
    'stripe.js key pk_test_V3jS24yjJHkQAvRZqlZ40ETp',
    'MAPBOX_TOKEN=pk.eyJ1IjoiYWNtZS1tYXBzIiwiYSI6ImNrMTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ubyJ9.sZxqugxP0_BlFSNURPBSb4',
    'SENTRY_DSN=https://d4e9aaf3ce3be1c75ba3c8a582730e1f@o986027.ingest.sentry.io/3304036',
    'NEW_RELIC_BROWSER_KEY=NRJS-c74890756b1e8b23ae3',
    'DD_CLIENT_TOKEN=pub575ff5ae45df0e4243b50c4c3393df7a',
    'ADYEN_CLIENT_KEY=live_XM53IBYJU1O39WU6NSR98KVFZW4H3XM2',
    'ALGOLIA_SEARCH_API_KEY=ddb4767235b138ee35a3b696d564e2d1',
    'SQUARE_APPLICATION_ID=sq0idp-uJS5Rtv2MTALE5UlZRE4wI',
    'MAILGUN_PUBLIC_KEY=pubkey-17367d5dedaf91b373e3d3ba2be0b082',
    'TWILIO_ACCOUNT_SID=AC8b692b1173409bd6be08bea7250ddfea',
    'LD_CLIENT_SIDE_ID=270875df669afa4459b07f0d',
  ];
  it.each(publicValues.map((v) => [v]))('%s', (v) => {
    const hits = SAAS_RULES.filter((r) => scan(r, v).length > 0).map((r) => r.id);
    expect(hits).toEqual([]);
  });
});

describe('ordinary log noise is not flagged', () => {
  const noise = [
    'commit 2dc0f9eb0a163f6a4c8723180759d04ca361401c merged into main',
    'request_id=6358feda-2186-4ae9-ab17-10bee9481f58 trace_id=c05688fd8d3fc6ee6aa070b086924e56 span_id=b2c192e3a40618ed',
    'sha256:b93031d0703d52dd7cf536554e718855fb00e4020aa8e83a36c0524fe912dd2d',
    'GET /api/v1/users/c417ff5f-24c3-432a-ad82-84f40d0e5b8a/avatar.png 200 12ms',
    'etag: "8f34ac25a569ec8a26540ef8bc9135f8"',
    '{"level":30,"time":1700000000000,"pid":4242,"hostname":"web-1","msg":"request completed","responseTime":12}',
    'Authorization: Bearer YOUR_API_KEY',
    'api_key=YOUR_API_KEY&format=json',
  ];
  it.each(noise.map((v) => [v]))('%s', (v) => {
    const hits = SAAS_RULES.filter((r) => scan(r, v).length > 0).map((r) => r.id);
    expect(hits).toEqual([]);
  });
});

// ── Linear time on hostile input ──────────────────────────────────────────────
//
// Each rule runs over ~100 KB near-misses: its keywords followed by long runs of
// token-looking characters with no terminator, the keyword or context repeated, and
// its first positive cut just before the end of the secret and padded. A linear-time
// pattern finishes in milliseconds; only catastrophic backtracking can miss the
// generous deadline, and then the worker is terminated so the test fails instead of
// hanging the run.

interface Input {
  readonly head: string;
  readonly unit: string;
  readonly times: number;
}

const SIZE = 100_000;
const DEADLINE_MS = 2_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let n = 0;
for (const { head, unit, times } of workerData.inputs) {
  const re = new RegExp(workerData.source, workerData.flags);
  for (const m of (head + unit.repeat(times)).matchAll(re)) n += m[0].length > 0 ? 1 : 0;
}
parentPort.postMessage(n);
`;

function fill(head: string, unit: string): Input {
  return { head, unit, times: Math.ceil(SIZE / Math.max(1, unit.length)) };
}

function adversarialInputs(r: Rule): Input[] {
  const inputs: Input[] = [];
  const runs = ['a', '0', 'A', 'f9', 'aB3_-', 'x/+='];
  for (const k of r.keywords.slice(0, 3)) {
    for (const kw of [k, k.toUpperCase()]) {
      for (const u of runs) inputs.push(fill(kw, u));
      for (const sep of ['', ' ', '_key=', '_api_key: "', '/']) inputs.push(fill('', kw + sep));
    }
  }
  const p = r.positives[0] ?? '';
  const f = scan(r, p)[0];
  if (f !== undefined) {
    const last = p.charAt(f.end - 1);
    inputs.push(fill(p.slice(0, f.end - 1), last)); // the secret never ends
    inputs.push(fill(p.slice(0, f.start), 'a')); // context, then an endless value
    inputs.push(fill('', p.slice(0, f.start))); // the context repeated
    inputs.push(fill('', p.slice(0, f.end - 1))); // near-complete matches back to back
  }
  inputs.push(fill('', p)); // real matches back to back, no separator
  return inputs;
}

/** Runs the rule's pattern over the inputs in a worker; resolves 'timeout' (and kills it) past the deadline. */
function runInWorker(r: Rule, inputs: readonly Input[]): Promise<'done' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { source: r.pattern.source, flags: r.pattern.flags, inputs },
    });
    let timer: NodeJS.Timeout | undefined;
    // The deadline starts once the worker is running, so thread start-up is not charged to the regex.
    worker.once('online', () => {
      timer = setTimeout(() => {
        void worker.terminate();
        resolve('timeout');
      }, DEADLINE_MS);
    });
    worker.once('message', () => {
      clearTimeout(timer);
      void worker.terminate();
      resolve('done');
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

describe('linear time on ~100 KB hostile near-misses', () => {
  it('the harness itself stops a backtracking pattern (so a pass below means something)', async () => {
    // [a-z]+x is quadratic on a long run of letters without an x: ~5e9 steps for 100 KB.
    const quadratic: Rule = { ...rule('slack-bot-token'), pattern: /[a-z]+x/g };
    expect(await runInWorker(quadratic, [fill('', 'a')])).toBe('timeout');
  }, 30_000);

  it.each(SAAS_RULES.map((r) => [r.id, r] as const))('%s', async (_id, r) => {
    const inputs = adversarialInputs(r);
    expect(inputs.length).toBeGreaterThan(10);
    expect(await runInWorker(r, inputs)).toBe('done');
  }, 30_000);
});
