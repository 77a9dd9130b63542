/**
 * Redaction presets (issue 3 item 7), as plain data: a preset names the rule classes that
 * are scanned, the action per class, the sensitive key names and paths, and for `strict`
 * the keys that survive. Users extend or trim one through the policy (`disable`, `add`,
 * `keys`, `paths`, `allow`, `actions`), or start from a copy (`getPreset('pci')`), edit
 * it and pass the object as `preset`. docs/redaction.md gives the reasons for each choice.
 *
 * The data lives in functions that build fresh objects, so importing this module does no
 * work and no caller can change a preset for everybody else by mutating a shared object.
 */

import type { RuleClass } from './rule.js';
import type { Action } from './actions.js';

/** Rule classes plus `personal`: names, addresses, birth dates, found by key name only. */
export type PolicyClass = RuleClass | 'personal';
export const POLICY_CLASSES: readonly PolicyClass[] = ['secret', 'card', 'bank', 'email', 'phone', 'ip', 'gov-id', 'personal'];

/** `'name'` matches the normalised key exactly, `'*name'` any key ending with it (key-matcher.ts). */
export type KeyEntry = string | { readonly name: string; readonly class?: PolicyClass };
/** A pino-syntax path (plus `**`), optionally with the class whose action applies. */
export type PathEntry = string | { readonly path: string; readonly class?: PolicyClass };

export interface Preset {
  readonly id: string;
  /** Bumped whenever the preset's behaviour changes; recorded in every redaction summary. */
  readonly version: number;
  readonly description?: string;
  /** Rule classes whose catalogue rules scan every string. */
  readonly classes: readonly RuleClass[];
  /** Action per class; a class without one is masked. */
  readonly actions: Readonly<Partial<Record<PolicyClass, Action>>>;
  /** Sensitive key names; plain strings are of class `secret`. */
  readonly keys: readonly KeyEntry[];
  readonly paths: readonly PathEntry[];
  /** Paths never touched: not scanned, not redacted (use sparingly). */
  readonly allow: readonly string[];
  /** When present, ONLY these paths survive (strict); their strings are still scanned. */
  readonly keep?: readonly string[];
  /** Emitted with process.emitWarning when a redactor is created (the `off` preset). */
  readonly warning?: { readonly code: string; readonly message: string };
}

export type PresetName = 'secrets' | 'pci' | 'gdpr' | 'hipaa' | 'strict' | 'off';
export const PRESET_NAMES: readonly PresetName[] = ['secrets', 'pci', 'gdpr', 'hipaa', 'strict', 'off'];

const ALL_CLASSES: readonly RuleClass[] = ['secret', 'card', 'bank', 'email', 'phone', 'ip', 'gov-id'];

/** Credentials by key name: what pino users usually list by hand in `redact.paths`. */
function secretKeys(): KeyEntry[] {
  return [
    '*password', '*passwd', '*passphrase', '*secret', '*token', '*apikey', '*secretkey', '*accesskey',
    '*privatekey', '*signingkey', '*encryptionkey', '*masterkey', '*clientsecret', '*connectionstring',
    '*credentials', 'credential', 'authorization', 'proxyauthorization', '*cookie', 'setcookie', 'auth',
    'jwt', 'dsn', 'sessionid', 'sessionkey', 'otp', 'mfacode', 'totp',
    // DD_APP_KEY, NEW_RELIC_LICENSE_KEY, x-functions-key (Azure Functions): keys by another name.
    '*appkey', '*licensekey', '*functionskey',
    // Short forms (`pass` of axios/request auth objects, `pwd` of ODBC and scripts; a path under
    // `pwd` is a working directory: key-exemptions.ts) and Rails' SECRET_KEY_BASE.
    'pass', 'pwd', '*secretkeybase',
  ];
}

/**
 * PCI DSS v4.0: the PAN is masked to its last four (3.4.1) and stored unreadable (3.5.1);
 * sensitive authentication data (CVV2/CVC2/CID, full track data, PIN and PIN block) must
 * never be stored after authorisation (3.3.1), so those keys are of class `secret`
 * (always masked in full), not `card` (which `partial` would keep the last four of).
 */
function cardKeys(): KeyEntry[] {
  return [
    { name: '*cardnumber', class: 'card' }, { name: 'pan', class: 'card' },
    { name: 'primaryaccountnumber', class: 'card' }, { name: 'ccnumber', class: 'card' },
    { name: 'creditcard', class: 'card' }, { name: 'cardno', class: 'card' }, { name: 'ccnum', class: 'card' },
    'cvv', 'cvv2', 'cvc', 'cvc2', 'cav2', 'cid2', '*securitycode', 'cardverificationvalue',
    '*track1', '*track2', 'trackdata', 'magstripe', 'pin', 'pinblock',
  ];
}

/** Personal data found by key name (GDPR Art. 4(1) "identifiable natural person"). */
function personalKeys(): KeyEntry[] {
  const p = (name: string): KeyEntry => ({ name, class: 'personal' });
  return [
    p('firstname'), p('lastname'), p('fullname'), p('givenname'), p('familyname'), p('surname'),
    p('middlename'), p('displayname'), p('birthdate'), p('dateofbirth'), p('dob'), p('birthday'),
    p('*address'), p('street'), p('streetaddress'), p('postcode'), p('postalcode'), p('zipcode'),
    p('zip'), p('city'), p('geolocation'), p('latitude'), p('longitude'),
    { name: '*email', class: 'email' }, { name: 'emailaddress', class: 'email' },
    { name: '*phone', class: 'phone' }, { name: 'phonenumber', class: 'phone' }, { name: 'mobile', class: 'phone' },
    { name: 'msisdn', class: 'phone' }, { name: '*fax', class: 'phone' },
    { name: 'ip', class: 'ip' }, { name: 'clientip', class: 'ip' }, { name: 'remoteip', class: 'ip' },
    { name: 'xforwardedfor', class: 'ip' }, { name: 'xrealip', class: 'ip' },
    { name: 'ssn', class: 'gov-id' }, { name: 'socialsecuritynumber', class: 'gov-id' },
    { name: 'nationalid', class: 'gov-id' }, { name: '*passportnumber', class: 'gov-id' },
    { name: 'taxid', class: 'gov-id' }, { name: 'nino', class: 'gov-id' },
    { name: '*driverslicense', class: 'gov-id' }, { name: '*iban', class: 'bank' },
    { name: '*accountnumber', class: 'bank' },
  ];
}

/**
 * HIPAA Safe Harbor, 45 CFR 164.514(b)(2)(i): the 18 identifiers (A)-(R) that must be
 * removed. Those with a scanner class come from the rules; these are the ones only a
 * key name can reveal.
 */
function hipaaKeys(): KeyEntry[] {
  const p = (name: string): KeyEntry => ({ name, class: 'personal' });
  return [
    ...personalKeys(),
    p('county'), p('precinct'), // (B) geographic subdivisions smaller than a state
    p('admissiondate'), p('dischargedate'), p('dateofdeath'), p('deathdate'), // (C) dates
    p('mrn'), p('medicalrecordnumber'), // (H)
    p('healthplanid'), p('*beneficiaryid'), p('memberid'), p('subscriberid'), // (I)
    p('*licensenumber'), p('*certificatenumber'), // (K)
    p('vin'), p('licenseplate'), p('*vehicleid'), // (L)
    p('*deviceid'), p('*serialnumber'), p('udi'), // (M)
    p('*biometric'), p('fingerprint'), p('photo'), p('faceimage'), // (P), (Q)
  ];
}

/** Fields that survive `strict`: the shape of pino, pino-http and winston records. */
function strictKeep(): string[] {
  return [
    'level', 'time', 'timestamp', 'msg', 'message', 'pid', 'hostname', 'name', 'v',
    'err.type', 'err.message', 'err.stack', 'err.code', 'error.type', 'error.message', 'error.stack', 'error.code',
    'req.id', 'req.method', 'req.url', 'res.statusCode', 'responseTime', 'reqId', 'traceId', 'spanId',
  ];
}

function build(name: PresetName): Preset {
  switch (name) {
    case 'secrets':
      return {
        id: 'secrets', version: 1,
        description: 'Credentials only: every provider rule plus sensitive key names, masked. The default.',
        classes: ['secret'], actions: { secret: 'mask' }, keys: secretKeys(), paths: [], allow: [],
      };
    case 'pci':
      return {
        id: 'pci', version: 1,
        description: 'PCI DSS v4.0: credentials masked, PANs truncated to the last four, card security data masked.',
        classes: ['secret', 'card'], actions: { secret: 'mask', card: 'partial' },
        keys: [...secretKeys(), ...cardKeys()], paths: [], allow: [],
      };
    case 'gdpr':
      return {
        id: 'gdpr', version: 1,
        description: 'GDPR: credentials masked; personal data pseudonymised with a keyed hash (needs hashKey).',
        classes: ALL_CLASSES,
        actions: { secret: 'mask', card: 'partial', bank: 'hash', email: 'hash', phone: 'hash', ip: 'hash', 'gov-id': 'hash', personal: 'hash' },
        keys: [...secretKeys(), ...cardKeys(), ...personalKeys()], paths: [], allow: [],
      };
    case 'hipaa':
      return {
        id: 'hipaa', version: 1,
        description: 'HIPAA Safe Harbor: every identifier the scanner or a key name reveals is masked (no hashes).',
        classes: ALL_CLASSES,
        actions: { secret: 'mask', card: 'mask', bank: 'mask', email: 'mask', phone: 'mask', ip: 'mask', 'gov-id': 'mask', personal: 'mask' },
        keys: [...secretKeys(), ...cardKeys(), ...hipaaKeys()], paths: [], allow: [],
      };
    case 'strict':
      return {
        id: 'strict', version: 1,
        description: 'Only an allow-list of fields survives; their strings are scanned with every class and masked.',
        classes: ALL_CLASSES,
        actions: { secret: 'mask', card: 'mask', bank: 'mask', email: 'mask', phone: 'mask', ip: 'mask', 'gov-id': 'mask', personal: 'mask' },
        keys: [...secretKeys(), ...cardKeys()], paths: [], allow: [], keep: strictKeep(),
      };
    case 'off':
      return {
        id: 'off', version: 1,
        description: 'No redaction at all. Values are still normalised to plain JSON. Warns at start.',
        classes: [], actions: {}, keys: [], paths: [], allow: [],
        warning: {
          code: 'LOGSEAL_WARN_REDACTION_OFF',
          message: 'LogSeal redaction preset "off": records are hashed, sealed and shipped without redaction; a leaked secret can never be removed',
        },
      };
  }
}

/** A fresh, mutable copy of a preset: edit it and pass it as `policy.preset`. */
export function getPreset(name: PresetName): Preset {
  return build(name);
}

/** Fresh copies of every preset, in PRESET_NAMES order. */
export function listPresets(): Preset[] {
  return PRESET_NAMES.map(build);
}
