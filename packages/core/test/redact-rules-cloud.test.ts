import { describe, expect, it } from 'vitest';
import type { Rule } from '../src/redact/rule.js';
import { CLOUD_RULES } from '../src/redact/rules-cloud.js';
import { GENERIC_RULES } from '../src/redact/rules-generic.js';
import { applyRule, describeRuleCatalogue, ruleIn, type RuleFinding as Finding } from './helpers/apply-rule.js';

const rule = ruleIn(CLOUD_RULES);

describe('CLOUD_RULES catalogue shape', () => {
  it('has the planned breadth', () => {
    expect(CLOUD_RULES.length).toBeGreaterThanOrEqual(60);
  });
  it('has unique kebab-case ids, also across the generic catalogue', () => {
    const ids = [...CLOUD_RULES, ...GENERIC_RULES].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });
});

describeRuleCatalogue('CLOUD', CLOUD_RULES, (secret) => {
  expect(secret).not.toMatch(/^[\s"'`]|[\s"'`]$/);
  expect(secret.length).toBeGreaterThanOrEqual(8);
});

describe('the secret group covers exactly the credential', () => {
  // Self-identifying tokens: the finding is the whole token, prefix included, and
  // nothing of the surrounding text.
  it.each([
    ['aws-access-key-id', 'id=AKIA' + 'Q7XDLKDBVA7DXPM5,', 'AKIA' + 'Q7XDLKDBVA7DXPM5'],
    ['github-pat-classic', 'x ghp_' + '8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ.', 'ghp_' + '8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ'],
    ['github-pat-classic', 'q=1%3Dghp_' + '8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ', 'ghp_' + '8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ'],
    ['github-pat-classic', '"a\\nghp_' + '8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ"', 'ghp_' + '8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ'],
    ['gitlab-pat', 'T="glpat-' + 'ld_9uYlRjuX9GKzff8ddP8PhMdXTfkuAH1xucT.01.yj8vxv0jk".', 'glpat-' + 'ld_9uYlRjuX9GKzff8ddP8PhMdXTfkuAH1xucT.01.yj8vxv0jk'],
    ['gitlab-pat', 'use glpat-' + 'iBtbfbZ55zZC05BQLCgU.', 'glpat-' + 'iBtbfbZ55zZC05BQLCgU'],
    ['doppler-service-token', 'dp.st.' + 'prd.hmtVazf8Ton88lVXawvB3BcTLD9CFcHCOoR6SRuTSYC', 'dp.st.' + 'prd.hmtVazf8Ton88lVXawvB3BcTLD9CFcHCOoR6SRuTSYC'],
  ])('%s in %s', (id, text, secret) => {
    expect(applyRule(rule(id), text).map((f) => f.secret)).toEqual([secret]);
  });

  // Context rules: the key name and separator stay, only the value is the finding.
  it.each([
    ['aws-secret-access-key', 'AWS_SECRET_ACCESS_KEY=' + 'JNrfAYTExnQkYzM0Kptx42CxTrHE1Z5QsByPk7FJ', 'JNrfAYTExnQkYzM0Kptx42CxTrHE1Z5QsByPk7FJ'],
    ['aws-secret-access-key', '{"SecretAccessKey": "' + '3xbwQjgYoxYP57tdVcb7Czu01DxNaTiYX3zo9d/t"}', '3xbwQjgYoxYP57tdVcb7Czu01DxNaTiYX3zo9d/t'],
    ['azure-storage-account-key', 'AccountName=a;AccountKey=' + 'FceNpjh+rabnv2f2jJzSle76mb5jq8VSvpEg27DkWrJ9ifTWeX/HQSd887B6bXPWSVGZE/aHH3U8NG33WsNGUU==;', 'FceNpjh+rabnv2f2jJzSle76mb5jq8VSvpEg27DkWrJ9ifTWeX/HQSd887B6bXPWSVGZE/aHH3U8NG33WsNGUU=='],
    ['azure-sas-signature', '?sv=2022-11-02&sp=r&sig=' + 'S9p4Vgiq4Cos3hQMPEI%2FQAvoVuJcO%2BL7vYfJvjbEqEB%3D&x=1', 'S9p4Vgiq4Cos3hQMPEI%2FQAvoVuJcO%2BL7vYfJvjbEqEB%3D'],
    ['heroku-api-key-legacy', 'HEROKU_API_KEY="f0554a91-df02-49f5-a9b2-4fe1a955b443"', 'f0554a91-df02-49f5-a9b2-4fe1a955b443'],
    ['okta-api-token', 'Authorization: SSWS 00' + 'hdtxhmdSLYGQJiywwqGPX213VzKUsIGG5bi6F5oK', '00' + 'hdtxhmdSLYGQJiywwqGPX213VzKUsIGG5bi6F5oK'],
    ['vault-token-legacy', '{\\"vault_token\\":\\"s.' + 'sn3gOidzLEPndQ05xHVGmkuc\\"}', 's.' + 'sn3gOidzLEPndQ05xHVGmkuc'],
    ['cloudflare-global-api-key', 'X-Auth-Key: 8ca4c883286f28811f079391e1446e3aa9c9f', '8ca4c883286f28811f079391e1446e3aa9c9f'],
  ])('%s in %s', (id, text, secret) => {
    expect(applyRule(rule(id), text).map((f) => f.secret)).toEqual([secret]);
  });

  it('finds every token of a comma-separated Fly.io token list', () => {
    const r = rule('flyio-macaroon-token');
    const positive = r.positives[0] ?? '';
    expect(applyRule(r, positive)).toHaveLength(2);
  });

  it('finds each of several tokens in one line', () => {
    const text = 'a=ghp_' + '8PnHkuqpc6FGlrCjzyWDKxOujdhsAm40aVoZ b=ghp_' + '4WScG0JsN9g1fq0Al9zM7PpdpkLppz4P0Wp4';
    expect(applyRule(rule('github-pat-classic'), text)).toHaveLength(2);
  });
});

describe('adversarial input: near misses of 100 KB finish quickly (linear-time patterns)', () => {
  const N = 100_000;
  const fill = (unit: string): string => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);
  const FAMILY = [
    'ghp_' + 'a'.repeat(N),
    '-----BEGIN PRIVATE KEY-----' + 'A'.repeat(N),
    fill('password='),
    'a:'.repeat(N / 2) + '@',
    fill('AKIA'),
    fill('aws_secret='),
    'AccountKey=' + 'A'.repeat(N),
    fill('sv=2022-11-02&'),
    fill('glpat-a.01.'),
    'x://' + 'a:'.repeat(N / 2),
  ];

  function hostile(r: Rule): string[] {
    const out = [...FAMILY];
    for (const k of r.keywords) {
      for (const kk of [k, k.toUpperCase()]) {
        out.push(kk + 'a'.repeat(N), kk + 'A0+/'.repeat(N / 4), fill(kk), fill(`${kk}a`), fill(`${kk}=`), fill(`${kk}: `));
        out.push(fill(`${kk}-`), fill(`${kk}_`), fill(`${kk}.`), fill(`${kk}%3D`), fill(`${kk}="`));
      }
    }
    for (const p of r.positives) {
      out.push(fill(p.slice(0, -1)), p.slice(0, -1) + 'A'.repeat(N), fill(p.replace(/[=:]/g, ' ')));
    }
    return out;
  }

  it.each(CLOUD_RULES.map((r) => [r.id, r] as const))('%s', (_id, r) => {
    const inputs = hostile(r);
    const t0 = performance.now();
    for (const s of inputs) applyRule(r, s);
    // A bound only catastrophic backtracking can break (normal runs take milliseconds).
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
