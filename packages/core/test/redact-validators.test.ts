import { describe, expect, it } from 'vitest';
import { LogSealError } from '../src/errors.js';
import {
  base62,
  base64urlDecode,
  crc32,
  githubTokenChecksumValid,
  ibanValid,
  isJwt,
  isPlaceholder,
  luhnValid,
  npmTokenChecksumValid,
  shannonEntropy,
} from '../src/redact/validators.js';

describe('shannonEntropy', () => {
  it('is 0 for empty and constant strings', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaaaaaa')).toBe(0);
  });
  it('is log2(k) for k equally frequent symbols', () => {
    expect(shannonEntropy('ab')).toBeCloseTo(1, 12);
    expect(shannonEntropy('abcd')).toBeCloseTo(2, 12);
    expect(shannonEntropy('0123456789abcdef')).toBeCloseTo(4, 12);
    expect(shannonEntropy('aabb')).toBeCloseTo(1, 12);
  });
  it('matches the closed form for a skewed distribution', () => {
    // p = (3/4, 1/4): H = -(0.75 log2 0.75 + 0.25 log2 0.25) = 0.8112781...
    expect(shannonEntropy('aaab')).toBeCloseTo(0.8112781244591328, 12);
  });
  it('counts code points, not UTF-16 units', () => {
    expect(shannonEntropy('😀😀')).toBe(0);
  });
});

describe('crc32 (IEEE 802.3)', () => {
  it('gives the catalogue check value for "123456789"', () => {
    // CRC-32/ISO-HDLC check value from the Williams/Rocksoft CRC catalogue.
    expect(crc32('123456789')).toBe(0xcbf43926);
  });
  it('gives known values for short inputs', () => {
    expect(crc32('')).toBe(0);
    expect(crc32('a')).toBe(0xe8b7be43);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  });
  it('hashes UTF-8 bytes and accepts byte arrays', () => {
    expect(crc32('é')).toBe(crc32(new Uint8Array([0xc3, 0xa9])));
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it('is unsigned', () => {
    expect(crc32('hello')).toBeGreaterThanOrEqual(0);
    expect(crc32('hello')).toBe(0x3610a686);
  });
});

describe('base62', () => {
  it('encodes with the 0-9A-Za-z alphabet and pads to width', () => {
    expect(base62(0, 6)).toBe('000000');
    expect(base62(61, 1)).toBe('z');
    expect(base62(62, 1)).toBe('10');
    expect(base62(10, 3)).toBe('00A');
    expect(base62(36, 2)).toBe('0a');
    // 2^32 - 1 fits in six base62 digits (62^6 > 2^32), which is why the checksum is 6 chars.
    expect(base62(0xffffffff, 6)).toBe('4gfFC3');
  });
  it('never truncates', () => {
    expect(base62(62 ** 3, 2)).toBe('1000');
  });
  it('rejects bad arguments with a coded error', () => {
    expect(() => base62(-1, 6)).toThrow(LogSealError);
    expect(() => base62(1.5, 6)).toThrow(/option "n"/);
    expect(() => base62(1, -1)).toThrow(/option "width"/);
  });
});

/** Builds a token in GitHub's 2021 format from a 30-char random part. */
function mint(prefix: string, random30: string): string {
  return prefix + random30 + base62(crc32(random30), 6);
}

describe('githubTokenChecksumValid', () => {
  it('accepts tokens whose last 6 chars are the base62 CRC32 of the 30-char random part', () => {
    // Sample classic PATs published with an open-source scanner's checksum tests.
    for (const t of [
      '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',
      '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',
      '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',
      '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',
    ]) {
      expect(githubTokenChecksumValid(t), t).toBe(true);
    }
  });
  it('accepts every gh?_ prefix with a correct checksum', () => {
    for (const p of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) {
      expect(githubTokenChecksumValid(mint(p, 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5'))).toBe(true);
    }
  });
  it('rejects a flipped character, wrong length, non-base62 and a foreign prefix', () => {
    expect(githubTokenChecksumValid('ghp_M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V3')).toBe(false);
    expect(githubTokenChecksumValid('ghp_N7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V4')).toBe(false);
    expect(githubTokenChecksumValid('ghp_M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V/')).toBe(false);
    expect(githubTokenChecksumValid('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x')).toBe(false);
    expect(githubTokenChecksumValid('ghpM7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V4')).toBe(false);
    expect(githubTokenChecksumValid('ghx_M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V4')).toBe(false);
    expect(githubTokenChecksumValid('ghp_' + 'a'.repeat(36))).toBe(false);
    expect(githubTokenChecksumValid('')).toBe(false);
  });
});

describe('npmTokenChecksumValid', () => {
  it('uses the same CRC32/base62 scheme under the npm_ prefix', () => {
    const t = mint('npm_', 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0');
    expect(npmTokenChecksumValid(t)).toBe(true);
    expect(githubTokenChecksumValid(t)).toBe(false);
    expect(npmTokenChecksumValid(t.slice(0, -1) + (t.endsWith('0') ? '1' : '0'))).toBe(false);
    expect(npmTokenChecksumValid('npm_' + 'A'.repeat(36))).toBe(false);
  });
});

describe('luhnValid', () => {
  it('accepts published test numbers', () => {
    expect(luhnValid('4111111111111111')).toBe(true); // Visa test PAN
    expect(luhnValid('5555555555554444')).toBe(true); // Mastercard test PAN
    expect(luhnValid('378282246310005')).toBe(true); // Amex test PAN
    expect(luhnValid('79927398713')).toBe(true); // the worked example in ISO/IEC 7812 descriptions
  });
  it('ignores space and hyphen separators', () => {
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('4111-1111-1111-1111')).toBe(true);
  });
  it('rejects wrong check digits, letters and too-short input', () => {
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('4111x11111111111')).toBe(false);
    expect(luhnValid('0')).toBe(false);
    expect(luhnValid('')).toBe(false);
  });
});

describe('ibanValid (ISO 13616 mod-97)', () => {
  it('accepts published example IBANs', () => {
    for (const s of [
      'GB82WEST12345698765432',
      'DE89370400440532013000',
      'FR1420041010050500013M02606',
      'NL91ABNA0417164300',
      'BE68539007547034',
      'CH9300762011623852957',
      'NO9386011117947',
    ]) {
      expect(ibanValid(s), s).toBe(true);
    }
  });
  it('accepts the grouped print form and lowercase', () => {
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('de89370400440532013000')).toBe(true);
  });
  it('rejects a bad check, a wrong length, an unknown country and bad check digits', () => {
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false);
    expect(ibanValid('DE8937040044053201300')).toBe(false);
    expect(ibanValid('ZZ89370400440532013000')).toBe(false);
    expect(ibanValid('GB00WEST12345698765432')).toBe(false);
    expect(ibanValid('GB82-WEST-1234')).toBe(false);
    expect(ibanValid('')).toBe(false);
  });
});

describe('base64urlDecode', () => {
  it('decodes unpadded and padded input', () => {
    expect(new TextDecoder().decode(base64urlDecode('aGVsbG8'))).toBe('hello');
    expect(new TextDecoder().decode(base64urlDecode('aGVsbG8='))).toBe('hello');
    expect(Array.from(base64urlDecode('-_8') ?? [])).toEqual([0xfb, 0xff]);
    expect(base64urlDecode('')?.length).toBe(0);
  });
  it('rejects standard-alphabet characters and impossible lengths', () => {
    expect(base64urlDecode('ab+/')).toBeUndefined();
    expect(base64urlDecode('abcde')).toBeUndefined();
    expect(base64urlDecode('ab cd')).toBeUndefined();
  });
});

describe('isJwt', () => {
  it('accepts the RFC 7515 appendix A.1 JWS', () => {
    expect(
      isJwt(
        'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9' +
          '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
          '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      ),
    ).toBe(true);
  });
  it('accepts the RFC 7519 section 6.1 unsecured JWT (empty signature)', () => {
    expect(
      isJwt(
        'eyJhbGciOiJub25lIn0' +
          '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.',
      ),
    ).toBe(true);
  });
  it('rejects a header without a string alg, non-JSON parts and wrong part counts', () => {
    const b = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const payload = b({ sub: '1' });
    expect(isJwt(`${b({ alg: 'HS256' })}.${payload}.c2ln`)).toBe(true);
    expect(isJwt(`${b({ typ: 'JWT' })}.${payload}.c2ln`)).toBe(false);
    expect(isJwt(`${b({ alg: 256 })}.${payload}.c2ln`)).toBe(false);
    expect(isJwt(`${b(['alg'])}.${payload}.c2ln`)).toBe(false);
    expect(isJwt(`${b({ alg: 'HS256' })}.${Buffer.from('not json').toString('base64url')}.c2ln`)).toBe(false);
    expect(isJwt(`${b({ alg: 'HS256' })}.${payload}`)).toBe(false);
    expect(isJwt(`${b({ alg: 'HS256' })}.${payload}.c2ln.eHg`)).toBe(false);
    expect(isJwt(`${b({ alg: 'HS256' })}.${payload}.c2l+`)).toBe(false);
    expect(isJwt('eyJhbGciOiJIUzI1NiJ9..c2ln')).toBe(false);
    expect(isJwt('a.b.c')).toBe(false);
  });
});

describe('isPlaceholder', () => {
  it('recognises masks, empty and constant values', () => {
    for (const v of ['', '   ', '******', '********', 'xxxx', 'XXXXXXXX', '•••••', 'ab***yz', '----', 'aaaaaaaa']) {
      expect(isPlaceholder(v), JSON.stringify(v)).toBe(true);
    }
  });
  it('recognises placeholder words in any case', () => {
    for (const v of ['null', 'NULL', 'undefined', 'None', 'nil', 'true', 'false', 'n/a', 'redacted', '[REDACTED]', 'FILTERED', 'not_set', 'changed']) {
      expect(isPlaceholder(v), v).toBe(true);
    }
  });
  it('recognises template and variable references', () => {
    for (const v of ['${DB_PASSWORD}', '$TOKEN', '$(SECRET)', '{{ vault_pw }}', '{password}', '%s', '%(password)s', '<password>', ':password', '@password', 'process.env.TOKEN', 'os.environ["PW"]', 'secrets.DEPLOY_TOKEN', 'YOUR_API_KEY', 'your-api-key-here', 'my_secret', '${PW:?must', '{{ x', '?', '?must', '!vault', '!Ref']) {
      expect(isPlaceholder(v), v).toBe(true);
    }
  });
  it('does not dismiss real-looking values', () => {
    for (const v of ['hunter2!', 'correct horse battery staple', 'TL39jYgTDTAfnrg7', 'p4$$w0rd', 'envy123', 'x9', 'mypassword1', 'password', 'changeme']) {
      expect(isPlaceholder(v), v).toBe(false);
    }
  });
});
