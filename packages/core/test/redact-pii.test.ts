import { describe, expect, it } from 'vitest';
import { PII_RULES, paymentCardValid } from '../src/redact/pii-rules.js';
import { RULE_CLASSES, type Rule } from '../src/redact/rule.js';
import { applyRule } from './helpers/apply-rule.js';
import {
  brCpfValid,
  caSinValid,
  esDniNieValid,
  inAadhaarValid,
  itCodiceFiscaleValid,
  nlBsnValid,
  ukNinoValid,
  usSsnValid,
  verhoeffValid,
} from '../src/redact/national-ids.js';

/**
 * One rule on one string, the way the scanner applies it: keyword gate on the lowercased
 * text, every match of the global pattern, the `secret` group (else the whole match),
 * then validate() and minEntropy. Returns the secret parts that survive.
 */
function findSecrets(rule: Rule, text: string): string[] {
  return applyRule(rule, text).map((f) => f.secret);
}

function rule(id: string): Rule {
  const r = PII_RULES.find((x) => x.id === id);
  if (r === undefined) throw new Error(`no rule ${id}`);
  return r;
}

describe('PII_RULES shape', () => {
  it('has unique kebab-case ids, PII classes, lowercase keywords and global patterns', () => {
    const ids = new Set<string>();
    for (const r of PII_RULES) {
      expect(r.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(ids.has(r.id)).toBe(false);
      ids.add(r.id);
      expect(RULE_CLASSES).toContain(r.class);
      expect(r.class).not.toBe('secret');
      expect(r.description.length).toBeGreaterThan(10);
      expect(r.pattern.flags).toContain('g');
      for (const k of r.keywords) expect(k).toBe(k.toLowerCase());
      expect(r.positives.length).toBeGreaterThan(0);
      expect(r.negatives.length).toBeGreaterThan(0);
    }
  });

  it('covers every personal-data kind the issue lists', () => {
    const classes = new Set(PII_RULES.map((r) => r.class));
    for (const c of ['email', 'phone', 'ip', 'card', 'bank', 'gov-id'] as const) expect(classes.has(c)).toBe(true);
    const ids = PII_RULES.map((r) => r.id);
    for (const id of ['email', 'phone-e164', 'ipv4', 'ipv6', 'payment-card', 'iban', 'us-ssn']) expect(ids).toContain(id);
    // At least four national ids with check digits besides the SSN (whose rules are structural).
    const checked = ['nl-bsn', 'br-cpf', 'es-dni-nie', 'ca-sin', 'in-aadhaar', 'it-codice-fiscale'];
    expect(checked.filter((id) => ids.includes(id)).length).toBeGreaterThanOrEqual(4);
  });

  it('gates only where a literal is guaranteed; [] only for formats without one', () => {
    const ungated = PII_RULES.filter((r) => r.keywords.length === 0).map((r) => r.id);
    expect(ungated.sort()).toEqual(['iban', 'it-codice-fiscale', 'payment-card', 'phone-fr', 'phone-nanp', 'phone-uk']);
  });
});

describe.each(PII_RULES.map((r) => [r.id, r] as const))('rule %s', (_id, r) => {
  it.each(r.positives.map((p) => [p]))('detects %j', (text) => {
    expect(findSecrets(r, text).length).toBeGreaterThan(0);
  });
  it.each(r.negatives.map((n) => [n]))('ignores %j', (text) => {
    expect(findSecrets(r, text)).toEqual([]);
  });
  it('keeps its keyword gate honest: every positive contains a keyword', () => {
    if (r.keywords.length === 0) return;
    for (const p of r.positives) expect(r.keywords.some((k) => p.toLowerCase().includes(k))).toBe(true);
  });
});

describe('numbers that are not personal data', () => {
  // Timestamps, versions, ports, durations, byte counts and ids: every log has them.
  const ordinary = [
    '2024-03-14T09:13:52.123Z', '2024-03-14 09:13:52,123', '[14/Mar/2024:09:12:44 +0000]', 'Thu, 14 Mar 2024 09:13:52 GMT',
    '1710407632', '1710407632123', '1710407632123456789', 'snowflake 1234567890123456789',
    'node v20.20.0', 'version 1.2.3', '10.0.19045.4046', 'openssl 3.0.13', 'OID 1.3.6.1.2.1.1.3.0',
    'listening on :8080', 'port 5432', 'localhost:3000', '0.0.0.0:443',
    'took 1m23.456s', 'elapsed=00:01:23.456', 'duration_ms=1234567', 'GC pause 12.345ms',
    'Transferred 1,234,567,890 bytes', 'size=1048576', 'offset 184467440737', '512110190592 bytes total',
    'uuid 550e8400-e29b-41d4-a716-446655440000', 'sha 4a7d1ed414474e4033ac29ccb8653d9b',
    'mac 00:1a:2b:3c:4d:5e', 'ratio 16:9', 'chmod 0755', 'exit code 137', 'pid 4711 ppid 1',
  ];
  it.each(ordinary.map((s) => [s]))('no PII rule fires on %j', (text) => {
    const hits = PII_RULES.flatMap((r) => findSecrets(r, text).map((s) => `${r.id}: ${s}`));
    expect(hits).toEqual([]);
  });
});

describe('extent of what is redacted', () => {
  const cases: [string, string, string[]][] = [
    ['email', 'from <jane.doe@example.com>, cc bob@mail.example.org.', ['jane.doe@example.com', 'bob@mail.example.org']],
    ['phone-e164', 'call +44 20 7946 0958 now', ['+44 20 7946 0958']],
    ['phone-e164', 'dial +1 (212) 555-0199.', ['+1 (212) 555-0199']],
    ['phone-nanp', 'tel (212) 555-0142, fax 212-555-0143', ['(212) 555-0142', '212-555-0143']],
    ['phone-in-context', '{"phone":"030 12345678","name":"x"}', ['030 12345678']],
    ['ipv4', 'from 203.0.113.9:443 to 198.51.100.20.', ['203.0.113.9', '198.51.100.20']],
    ['ipv6', 'http://[2001:db8::8a2e:370:7334]:8080/ and fe80::1%eth0', ['2001:db8::8a2e:370:7334', 'fe80::1%eth0']],
    ['ipv6', '::ffff:192.0.2.1', ['::ffff:192.0.2.1']],
    ['payment-card', 'pan=4111 1111 1111 1111 exp 12/29 and 378282246310005', ['4111 1111 1111 1111', '378282246310005']],
    ['payment-card', 'card 4111111111111111 2025-01-01', ['4111111111111111']],
    ['iban', 'to DE89 3704 0044 0532 0130 00 for 10 EUR', ['DE89 3704 0044 0532 0130 00']],
    ['us-ssn-in-context', 'ssn="123 45 6789"', ['123 45 6789']],
    ['nl-bsn', 'BSN: 1112.22.333', ['1112.22.333']],
    ['es-dni-nie', 'nie: Y1234567X', ['Y1234567X']],
    ['uk-nino', 'NINO AB 12 34 56 C', ['AB 12 34 56 C']],
  ];
  it.each(cases)('%s finds exactly the value in %j', (id, text, expected) => {
    expect(findSecrets(rule(id), text)).toEqual(expected);
  });
});

describe('card issuer ranges and Luhn', () => {
  // Test PANs the networks and processors publish (Stripe, Adyen, PayPal/Braintree docs).
  const published: [string, string][] = [
    ['Visa', '4111111111111111'],
    ['Visa', '4012888888881881'],
    ['Visa (13 digits)', '4222222222222'],
    ['Mastercard', '5555555555554444'],
    ['Mastercard', '5105105105105100'],
    ['Mastercard 2-series', '2223003122003222'],
    ['Amex', '378282246310005'],
    ['Amex', '371449635398431'],
    ['Discover', '6011111111111117'],
    ['Discover', '6011000990139424'],
    ['JCB', '3530111333300000'],
    ['JCB', '3566002020360505'],
    ['Diners', '30569309025904'],
    ['Diners', '38520000023237'],
    ['UnionPay', '6200000000000005'],
  ];
  it.each(published)('accepts the %s test number %s', (_brand, pan) => {
    expect(paymentCardValid(pan)).toBe(true);
  });
  it('accepts grouped forms with one kind of separator only', () => {
    expect(paymentCardValid('4111 1111 1111 1111')).toBe(true);
    expect(paymentCardValid('4111-1111-1111-1111')).toBe(true);
    expect(paymentCardValid('4111 1111-1111 1111')).toBe(false);
  });
  it('rejects numbers outside issuer ranges or lengths even when Luhn passes', () => {
    expect(paymentCardValid('1234567812345670')).toBe(false); // Luhn-valid, prefix 1 is no network
    expect(paymentCardValid('3782822463100050')).toBe(false); // Amex prefix with 16 digits
    expect(paymentCardValid('5555555555554')).toBe(false); // Mastercard prefix with 13 digits
  });
  it('catches every single-digit error (Luhn property)', () => {
    const pan = '4111111111111111';
    for (let i = 0; i < pan.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const m = pan.slice(0, i) + String(d) + pan.slice(i + 1);
        if (m !== pan) expect(paymentCardValid(m), m).toBe(false);
      }
    }
  });
});

describe('national id check digits (published examples)', () => {
  it('US SSN: structural rules of the SSA', () => {
    expect(usSsnValid('123-45-6789')).toBe(true);
    expect(usSsnValid('536904399')).toBe(true);
    for (const bad of ['000-12-3456', '666-12-3456', '900-12-3456', '999-12-3456', '123-00-4567', '123-45-0000', '078-05-1120', '219-09-9999', '12-345-6789', '123-45-678']) {
      expect(usSsnValid(bad), bad).toBe(false);
    }
  });
  it('NL BSN: elfproef', () => {
    // 111222333 and 123456782 are the values the Dutch government's test documentation uses.
    expect(nlBsnValid('111222333')).toBe(true);
    expect(nlBsnValid('123456782')).toBe(true);
    expect(nlBsnValid('1112.22.333')).toBe(true);
    expect(nlBsnValid('123456789')).toBe(false);
    expect(nlBsnValid('000000000')).toBe(false);
  });
  it('BR CPF: two mod-11 check digits', () => {
    expect(brCpfValid('529.982.247-25')).toBe(true);
    expect(brCpfValid('111.444.777-35')).toBe(true);
    expect(brCpfValid('52998224725')).toBe(true);
    expect(brCpfValid('529.982.247-26')).toBe(false);
    expect(brCpfValid('529.982.247-15')).toBe(false);
    // Repeated digits satisfy the arithmetic but are not issued.
    for (let d = 0; d <= 9; d++) expect(brCpfValid(String(d).repeat(11))).toBe(false);
  });
  it('ES DNI/NIE: control letter mod 23', () => {
    expect(esDniNieValid('12345678Z')).toBe(true);
    expect(esDniNieValid('12345678-z')).toBe(true);
    expect(esDniNieValid('X1234567L')).toBe(true);
    expect(esDniNieValid('Y1234567X')).toBe(true);
    expect(esDniNieValid('Z1234567R')).toBe(true);
    expect(esDniNieValid('12345678A')).toBe(false);
    expect(esDniNieValid('X12345678Z')).toBe(false);
    expect(esDniNieValid('1234567Z')).toBe(false);
  });
  it('CA SIN: Luhn', () => {
    // 046 454 286 is the example Service Canada publishes.
    expect(caSinValid('046 454 286')).toBe(true);
    expect(caSinValid('046-454-286')).toBe(true);
    expect(caSinValid('046 454 287')).toBe(false);
    expect(caSinValid('000 000 000')).toBe(false);
  });
  it('Verhoeff: the worked example and its error-detection properties', () => {
    // Verhoeff's worked example: the check digit of 236 is 3.
    expect(verhoeffValid('2363')).toBe(true);
    expect(verhoeffValid('2364')).toBe(false);
    const ok = '234123412346';
    for (let i = 0; i < ok.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const m = ok.slice(0, i) + String(d) + ok.slice(i + 1);
        if (m !== ok) expect(verhoeffValid(m), m).toBe(false);
      }
      if (i + 1 < ok.length && ok[i] !== ok[i + 1]) {
        const t = ok.slice(0, i) + ok.charAt(i + 1) + ok.charAt(i) + ok.slice(i + 2);
        expect(verhoeffValid(t), t).toBe(false);
      }
    }
  });
  it('IN Aadhaar: first digit 2-9 and Verhoeff', () => {
    expect(inAadhaarValid('2341 2341 2346')).toBe(true);
    expect(inAadhaarValid('234123412346')).toBe(true);
    expect(inAadhaarValid('2341 2341 2345')).toBe(false);
    expect(inAadhaarValid('1341 2341 2346')).toBe(false);
    expect(inAadhaarValid('2341 2341 234')).toBe(false);
  });
  it('IT codice fiscale: check letter', () => {
    // RSSMRA85T10A562S is the example of the Italian Wikipedia article; MRTMTT25D09F205Z
    // and RSSMRA80A01H501U are the two most quoted samples of the Agenzia delle Entrate format.
    expect(itCodiceFiscaleValid('RSSMRA85T10A562S')).toBe(true);
    expect(itCodiceFiscaleValid('MRTMTT25D09F205Z')).toBe(true);
    expect(itCodiceFiscaleValid('RSSMRA80A01H501U')).toBe(true);
    expect(itCodiceFiscaleValid('RSSMRA85T10A562T')).toBe(false);
    expect(itCodiceFiscaleValid('RSSMRA85X10A562S')).toBe(false); // X is no month letter
    const ok = 'RSSMRA85T10A562S';
    for (let i = 0; i < 15; i++) {
      for (const c of 'ABCDEHLMPRSTXYZ0123456789') {
        const m = ok.slice(0, i) + c + ok.slice(i + 1);
        if (m !== ok) expect(itCodiceFiscaleValid(m), m).toBe(false);
      }
    }
  });
  it('UK NINO: allocation rules only (there is no check character)', () => {
    expect(ukNinoValid('AB123456C')).toBe(true);
    expect(ukNinoValid('JG 10 37 48 A')).toBe(true);
    for (const bad of ['QQ123456C', 'DA123456A', 'AO123456A', 'GB123456A', 'NK123456A', 'ZZ123456A', 'AB123456E', 'AB12345C']) {
      expect(ukNinoValid(bad), bad).toBe(false);
    }
  });
  it('BSN elfproef catches every single-digit error', () => {
    const ok = '123456782';
    for (let i = 0; i < ok.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const m = ok.slice(0, i) + String(d) + ok.slice(i + 1);
        if (m !== ok) expect(nlBsnValid(m), m).toBe(false);
      }
    }
  });
});
