/**
 * Government identifiers: check-digit validators and the rules that use them (joined
 * into PII_RULES by pii-rules.ts). A rule's regex proposes a candidate by shape; the
 * validator decides by arithmetic, which is what keeps "any 9 digits after the word
 * bsn" from becoming a finding. Every validator is pure, takes the candidate as logged
 * (spaces, dots and dashes between digit groups are ignored where the format has them)
 * and returns false for anything malformed instead of throwing: hostile log text is
 * input, not a caller bug. Linear-time notes for the patterns are in pii-rules.ts.
 *
 * The UK National Insurance number has no check character at all; `ukNinoValid` checks
 * the allocation rules of the format and nothing more (HMRC NIM39110).
 */

import type { Rule } from './rule.js';

/** Digits of `s` with single spaces, dots and hyphens dropped; undefined if anything else occurs. */
function digitsOf(s: string): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) out.push(c - 0x30);
    else if (c !== 0x20 && c !== 0x2e && c !== 0x2d) return undefined;
  }
  return out;
}

function allSame(d: readonly number[]): boolean {
  return d.every((x) => x === d[0]);
}

/**
 * US Social Security Number, by the SSA's structural rules (SSA POMS RM 10201.035 and
 * the 2011 randomisation notice): area 001-899 except 666, group 01-99, serial
 * 0001-9999. Two numbers the SSA itself published and voided are refused as well
 * (078-05-1120, the Woolworth wallet card; 219-09-9999, an advertisement).
 */
export function usSsnValid(s: string): boolean {
  // 9 digits, or 3-2-4 with one kind of separator: "12-345-6789" is not an SSN.
  if (!/^[0-9]{3}([ -]?)[0-9]{2}\1[0-9]{4}$/.test(s)) return false;
  const n = s.replace(/[ -]/g, '');
  const area = Number(n.slice(0, 3));
  const group = Number(n.slice(3, 5));
  const serial = Number(n.slice(5));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === 0 || serial === 0) return false;
  return n !== '078051120' && n !== '219099999';
}

/**
 * Netherlands Burgerservicenummer: 9 digits (older ones written with 8 and a leading
 * zero dropped) passing the "elfproef": 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple
 * of 11 (Wet algemene bepalingen burgerservicenummer, Logius BSN specification).
 */
export function nlBsnValid(s: string): boolean {
  let d = digitsOf(s);
  if (d === undefined || d.length < 8 || d.length > 9) return false;
  if (d.length === 8) d = [0, ...d];
  if (allSame(d)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * (d[i] as number);
  sum -= d[8] as number;
  return sum % 11 === 0;
}

/**
 * Brazil CPF (Cadastro de Pessoas Fisicas): 9 digits and two mod-11 check digits
 * (Receita Federal, Instrucao Normativa RFB 2172/2024 annex; the algorithm is the one
 * every CPF library implements). Weights 10..2 for the first check digit, 11..2 for the
 * second; a remainder of 10 or 11 gives 0. Repeated digits (111.111.111-11) pass the
 * arithmetic but are refused by the Receita and here.
 */
export function brCpfValid(s: string): boolean {
  const d = digitsOf(s);
  if (d === undefined || d.length !== 11 || allSame(d)) return false;
  for (const len of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < len; i++) sum += (d[i] as number) * (len + 1 - i);
    const check = ((sum * 10) % 11) % 10;
    if (check !== d[len]) return false;
  }
  return true;
}

/** Control letters of the Spanish DNI, indexed by number mod 23 (Real Decreto 1553/2005, art. 11). */
const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/**
 * Spain DNI (8 digits + control letter) and NIE (X, Y or Z + 7 digits + control letter;
 * X, Y, Z stand for 0, 1, 2 in the computation, Orden INT/2058/2008). Accepts an optional
 * hyphen or space before the letter and lowercase.
 */
export function esDniNieValid(s: string): boolean {
  const t = s.replace(/[ -]/g, '').toUpperCase();
  const m = /^([XYZ]?)([0-9]{7,8})([A-Z])$/.exec(t);
  if (m === null) return false;
  const [, nie = '', num = '', letter] = m;
  if (nie === '' ? num.length !== 8 : num.length !== 7) return false;
  const lead = nie === '' ? '' : String('XYZ'.indexOf(nie));
  const n = Number(lead + num);
  if (n === 0) return false;
  return DNI_LETTERS.charAt(n % 23) === letter;
}

/**
 * Canada Social Insurance Number: 9 digits passing Luhn (Employment and Social
 * Development Canada, "SIN validation"). The first digit 8 is never issued; 0 only in
 * fictitious examples, which we still accept because they are shaped like real ones.
 */
export function caSinValid(s: string): boolean {
  const d = digitsOf(s);
  if (d === undefined || d.length !== 9 || d[0] === 8 || allSame(d)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let x = d[i] as number;
    if (i % 2 === 1) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
  }
  return sum % 10 === 0;
}

// Verhoeff (1969) dihedral-group D5 tables, as published with the algorithm.
const VERHOEFF_D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** Verhoeff check over a digit string whose last digit is the check digit (Verhoeff 1969). */
export function verhoeffValid(s: string): boolean {
  const d = digitsOf(s);
  if (d === undefined || d.length < 2) return false;
  let c = 0;
  for (let i = 0; i < d.length; i++) {
    const digit = d[d.length - 1 - i] as number;
    c = (VERHOEFF_D[c] as number[])[(VERHOEFF_P[i % 8] as number[])[digit] as number] as number;
  }
  return c === 0;
}

/**
 * India Aadhaar: 12 digits, the first never 0 or 1, the last a Verhoeff check digit
 * (UIDAI, "Aadhaar number" specification; Aadhaar (Targeted Delivery...) Act 2016, s. 2(a)).
 */
export function inAadhaarValid(s: string): boolean {
  const d = digitsOf(s);
  if (d === undefined || d.length !== 12 || (d[0] as number) < 2 || allSame(d)) return false;
  return verhoeffValid(s);
}

// Codice fiscale check character (DM 23/12/1976, art. 7; DM 12/03/1974 annex): characters
// in odd positions (1st, 3rd, ...) map through this table, digits map as 0-9 and letters
// as A=0..Z=25 in even positions.
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
const CF_RE = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

/**
 * Italy codice fiscale of a natural person: 16 characters (surname, name, birth year,
 * month letter, day (+40 for women), municipality code, check letter). Digits may be
 * replaced by LMNPQRSTUV (omocodia, DM 12/03/1974). The check letter is the sum of the
 * mapped first 15 characters mod 26.
 */
export function itCodiceFiscaleValid(s: string): boolean {
  const t = s.toUpperCase();
  if (!CF_RE.test(t)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = t.charCodeAt(i);
    // Letters index 0..25; digits index 0..9 in both tables (the odd table starts with 0/A, 1/B, ...).
    const v = c <= 0x39 ? c - 0x30 : c - 0x41;
    sum += i % 2 === 0 ? (CF_ODD[v] as number) : v;
  }
  return String.fromCharCode(0x41 + (sum % 26)) === t.charAt(15);
}

/** Prefix pairs HMRC never allocates (NIM39110): BG, GB, KN, NK, NT, TN, ZZ. */
const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/**
 * UK National Insurance number, format only: there is NO check character, so this can
 * only reject impossible values (HMRC NIM39110): two prefix letters (first not D, F, I,
 * Q, U or V; second not D, F, I, O, Q, U or V; the pairs above never used), six digits,
 * suffix A-D. Spaces between the pairs are allowed. QQ123456C, the example HMRC prints on
 * forms, is rejected because Q is never a first letter.
 */
export function ukNinoValid(s: string): boolean {
  const t = s.replace(/ /g, '').toUpperCase();
  if (!/^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$/.test(t)) return false;
  return !NINO_BAD_PREFIX.has(t.slice(0, 2));
}

// ---------------------------------------------------------------- rules

// Glue between a context word and its value: an optional closing quote of a JSON key,
// then blanks, an optional ':' '=' or '#', blanks and an optional opening quote. Bounded,
// and disjoint from letters and digits, so it cannot overlap the word or the value.
const GLUE = String.raw`["']?[ \t]{0,3}[:=#]?[ \t]{0,3}["']?`;
// A key suffix such as "_number" or " no" after a context word.
const NUMBER_SUFFIX = String.raw`(?:[ _-]?(?:number|num|nr|no|id))?`;

const US_SSN: Rule = {
  id: 'us-ssn',
  description: 'US Social Security Number written AAA-GG-SSSS, with the SSA area/group/serial rules.',
  class: 'gov-id',
  keywords: ['-'],
  pattern: /(?<![0-9A-Za-z_./-])[0-9]{3}-[0-9]{2}-[0-9]{4}(?![0-9A-Za-z_]|-[0-9])/g,
  validate: usSsnValid,
  positives: ['ssn 123-45-6789 on file', '{"taxId":"536-90-4399"}'],
  negatives: ['666-12-3456', '900-12-3456', '123-00-4567', '123-45-0000', '078-05-1120', 'phone 212-555-0142', 'id 1123-45-6789'],
};

const US_SSN_CONTEXT: Rule = {
  id: 'us-ssn-in-context',
  description: 'US Social Security Number without dashes, after "ssn" or "social security".',
  class: 'gov-id',
  keywords: ['ssn', 'social'],
  pattern: new RegExp(
    String.raw`\b(?:ssn|social[ _-]?security)${NUMBER_SUFFIX}${GLUE}(?<secret>[0-9]{3}[ -]?[0-9]{2}[ -]?[0-9]{4})(?![0-9])`,
    'gi',
  ),
  validate: usSsnValid,
  positives: ['SSN: 123456789', 'social_security_number="536 90 4399"'],
  negatives: ['ssn: 000000000', 'ssn=666123456', 'ssn_count=123456789012', 'lessn 123456789'],
};

const NL_BSN: Rule = {
  id: 'nl-bsn',
  description: 'Netherlands burgerservicenummer (9 digits, elfproef) after bsn/sofinummer.',
  class: 'gov-id',
  keywords: ['bsn', 'burgerservicenummer', 'sofi'],
  pattern: new RegExp(
    String.raw`\b(?:bsn|burgerservicenummer|sofi(?:nummer)?)${NUMBER_SUFFIX}${GLUE}(?<secret>[0-9]{9}|[0-9]{4}\.[0-9]{2}\.[0-9]{3})(?![0-9])`,
    'gi',
  ),
  validate: nlBsnValid,
  positives: ['bsn: 111222333', '{"BSN":"123456782"}', 'sofinummer 1112.22.333'],
  negatives: ['bsn: 123456789', 'bsn=000000000', 'order 111222333'],
};

const BR_CPF: Rule = {
  id: 'br-cpf',
  description: 'Brazil CPF in its printed form 000.000.000-00 with both mod-11 check digits.',
  class: 'gov-id',
  keywords: ['-'],
  pattern: /(?<![0-9A-Za-z_./-])[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}(?![0-9A-Za-z_]|[.-][0-9])/g,
  validate: brCpfValid,
  positives: ['cliente 529.982.247-25 cadastrado', '{"cpf":"111.444.777-35"}'],
  negatives: ['529.982.247-26', '111.111.111-11', 'v529.982.247-25', '1.529.982.247-25'],
};

const BR_CPF_CONTEXT: Rule = {
  id: 'br-cpf-in-context',
  description: 'Brazil CPF written as 11 plain digits after "cpf".',
  class: 'gov-id',
  keywords: ['cpf'],
  pattern: new RegExp(String.raw`\bcpf${NUMBER_SUFFIX}${GLUE}(?<secret>[0-9]{11})(?![0-9])`, 'gi'),
  validate: brCpfValid,
  positives: ['cpf=52998224725', 'CPF: 11144477735'],
  negatives: ['cpf=52998224726', 'cpf: 00000000000'],
};

const ES_DNI_NIE: Rule = {
  id: 'es-dni-nie',
  description: 'Spain DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter) after dni/nie/nif.',
  class: 'gov-id',
  keywords: ['dni', 'nie', 'nif'],
  pattern: new RegExp(
    String.raw`\b(?:dni|nie|nif)${NUMBER_SUFFIX}${GLUE}(?<secret>[XYZxyz]?[0-9]{7,8}[ -]?[A-Za-z])(?![0-9A-Za-z])`,
    'gi',
  ),
  validate: esDniNieValid,
  positives: ['dni: 12345678Z', '{"nie":"X1234567L"}', 'NIF 12345678-Z'],
  negatives: ['dni: 12345678A', 'nie=X1234567A', 'dni 1234567Z'],
};

const CA_SIN: Rule = {
  id: 'ca-sin',
  description: 'Canada Social Insurance Number (9 digits, Luhn) after "sin" or "social insurance".',
  class: 'gov-id',
  keywords: ['sin', 'social'],
  pattern: new RegExp(
    String.raw`\b(?:sin|social[ _-]?insurance)${NUMBER_SUFFIX}${GLUE}(?<secret>[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3})(?![0-9])`,
    'gi',
  ),
  validate: caSinValid,
  positives: ['SIN: 046 454 286', 'social_insurance_number=046-454-286'],
  negatives: ['sin: 046 454 287', 'sin(x) = 123456789', 'using 046454286'],
};

const IN_AADHAAR: Rule = {
  id: 'in-aadhaar',
  description: 'India Aadhaar number (12 digits, first 2-9, Verhoeff check), plain or 4-4-4, after aadhaar/uidai.',
  class: 'gov-id',
  keywords: ['aadhaar', 'aadhar', 'uidai'],
  pattern: new RegExp(
    String.raw`\b(?:aadhaa?r|uidai)${NUMBER_SUFFIX}${GLUE}(?<secret>[2-9][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{4})(?![0-9])`,
    'gi',
  ),
  validate: inAadhaarValid,
  positives: ['aadhaar: 2341 2341 2346', '{"aadhaar_no":"491827364507"}'],
  negatives: ['aadhaar: 2341 2341 2345', 'aadhaar=1341 2341 2346'],
};

const IT_CODICE_FISCALE: Rule = {
  id: 'it-codice-fiscale',
  description: 'Italy codice fiscale of a person (16 characters with check letter, DM 23/12/1976).',
  class: 'gov-id',
  // Unavoidable: the code has no fixed literal; its 16-position structure and check letter gate it.
  keywords: [],
  pattern:
    /(?<![0-9A-Za-z])[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z](?![0-9A-Za-z])/g,
  validate: itCodiceFiscaleValid,
  positives: ['cf RSSMRA85T10A562S', '{"codiceFiscale":"MRTMTT25D09F205Z"}'],
  negatives: ['RSSMRA85T10A562T', 'RSSMRA85T10A562SX', 'rssmra85t10a562s'],
};

const UK_NINO: Rule = {
  id: 'uk-nino',
  description: 'UK National Insurance number after nino / NI number (format only: it has no check character).',
  class: 'gov-id',
  keywords: ['nino', 'national', 'ni number', 'ni_number', 'ni-number', 'ninumber', 'ni no', 'ni_no', 'ni-no'],
  pattern: new RegExp(
    String.raw`\b(?:nino|ni[ _-]?(?:number|no)|national[ _-]?insurance${NUMBER_SUFFIX})${GLUE}` +
      String.raw`(?<secret>[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d])(?![0-9A-Za-z])`,
    'gi',
  ),
  validate: ukNinoValid,
  positives: ['nino: AB123456C', 'national_insurance_number="JG 10 37 48 A"'],
  negatives: ['nino: QQ123456C', 'nino=GB123456A', 'ni number: AB123456E'],
};

/**
 * Government identifiers (class 'gov-id'). Bare digit strings are too common in logs to
 * be taken for an id on arithmetic alone, so the numeric ones need a context word
 * (keyword-gated); formats with separators or letters (SSN with dashes, printed CPF,
 * codice fiscale) stand on their own.
 */
export const NATIONAL_ID_RULES: readonly Rule[] = [
  US_SSN,
  US_SSN_CONTEXT,
  NL_BSN,
  BR_CPF,
  BR_CPF_CONTEXT,
  ES_DNI_NIE,
  CA_SIN,
  IN_AADHAAR,
  IT_CODICE_FISCALE,
  UK_NINO,
];
