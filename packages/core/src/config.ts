/**
 * Transport configuration as plain data (issue 5): what the pino and winston adapters both
 * accept. Everything survives structured clone into pino's worker (no functions, no
 * KeyObjects): keys come as text, from files, or from environment variables, and explicit
 * options win over the environment (twelve-factor apps configure by environment).
 *
 *   LOGSEAL_URL               sink URL
 *   LOGSEAL_FORMAT            wire format (default logseal)
 *   LOGSEAL_PRESET            redaction preset (default secrets)
 *   LOGSEAL_SIGNING_KEY       Ed25519 private key: PKCS#8 PEM, or base64url of the raw 32-byte seed
 *   LOGSEAL_SIGNING_KEY_FILE  file holding the same
 *   LOGSEAL_MAC_KEY           MAC provisioning key k[0]: base64url or hex, >= 32 bytes
 *   LOGSEAL_MAC_KEY_FILE      file holding the same
 *   LOGSEAL_KID               key id
 *   LOGSEAL_TOKEN             bearer token for the sink
 *   LOGSEAL_HASH_KEY          key of the redaction `hash` action (>= 32 bytes)
 *   LOGSEAL_SPOOL_DIR         disk spool directory (at-least-once across crashes)
 *   LOGSEAL_SERVICE           service name recorded in the first seal
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { entryScriptName } from './entry-script.js';
import { invalidOption, LogSealError } from './errors.js';
import type { PipelineOptions } from './delivery/pipeline-options.js';
import type { RedactionPolicy } from './redact/policy.js';

/** Transport options: PipelineOptions as plain data, plus key files and a preset shorthand. */
export interface TransportConfig extends Omit<PipelineOptions, 'url' | 'dispatcher' | 'clock' | 'random' | 'signingKey' | 'macKey'> {
  /** Sink URL. Default: $LOGSEAL_URL. */
  url?: string;
  /** Redaction preset shorthand (default: $LOGSEAL_PRESET, else 'secrets'). Ignored when `redact` names a preset. */
  preset?: string;
  /** Ed25519 private key: PKCS#8 PEM text, or base64url of the raw 32-byte seed. Default: $LOGSEAL_SIGNING_KEY. */
  signingKey?: string;
  /** File with the signing key. Default: $LOGSEAL_SIGNING_KEY_FILE. */
  signingKeyFile?: string;
  /** MAC provisioning key (base64url or hex). Default: $LOGSEAL_MAC_KEY. */
  macKey?: string;
  /** File with the MAC key. Default: $LOGSEAL_MAC_KEY_FILE. */
  macKeyFile?: string;
  /** Bearer token for the sink (shorthand for http.auth). Default: $LOGSEAL_TOKEN. */
  token?: string;
}

export const TRANSPORT_ENV = [
  'LOGSEAL_URL', 'LOGSEAL_FORMAT', 'LOGSEAL_PRESET', 'LOGSEAL_SIGNING_KEY', 'LOGSEAL_SIGNING_KEY_FILE', 'LOGSEAL_MAC_KEY',
  'LOGSEAL_MAC_KEY_FILE', 'LOGSEAL_KID', 'LOGSEAL_TOKEN', 'LOGSEAL_HASH_KEY', 'LOGSEAL_SPOOL_DIR', 'LOGSEAL_SERVICE',
] as const;

function readKeyFile(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', `cannot read ${option} ${JSON.stringify(path)}`, { cause: err });
  }
}

/** A signing key given as text: PEM stays PEM; anything else must be base64url of a 32-byte seed. */
function signingKeyFromText(option: string, text: string): string | Uint8Array {
  if (text.includes('-----BEGIN')) return text;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== 32 || !/^[A-Za-z0-9_-]+=*$/.test(text)) {
    throw new LogSealError('LOGSEAL_ERR_KEY_FORMAT', `${option} must be PKCS#8 PEM or base64url of a 32-byte Ed25519 seed`);
  }
  return new Uint8Array(bytes);
}

function str(option: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) invalidOption(option, 'a non-empty string', v);
  return v;
}

const envOf = (env: NodeJS.ProcessEnv, k: (typeof TRANSPORT_ENV)[number]): string | undefined => {
  const v = env[k];
  return v === undefined || v === '' ? undefined : v;
};

/**
 * Turns transport config (+ environment) into createPipeline() options. Throws a coded
 * error naming the option for anything missing or malformed, before any I/O but key files.
 */
export function pipelineOptionsFromConfig(config: TransportConfig = {}, env: NodeJS.ProcessEnv = process.env): PipelineOptions {
  if (typeof config !== 'object' || config === null) invalidOption('options', 'an object', config);
  const { preset, signingKey, signingKeyFile, macKey, macKeyFile, token, url, ...rest } = config;
  const out: PipelineOptions = { ...rest, url: '' };

  const u = str('url', url) ?? envOf(env, 'LOGSEAL_URL');
  if (u === undefined) invalidOption('url', 'the sink URL (or set LOGSEAL_URL)');
  out.url = u;
  const format = str('format', config.format) ?? envOf(env, 'LOGSEAL_FORMAT');
  if (format !== undefined) out.format = format;

  const sk = str('signingKey', signingKey) ?? envOf(env, 'LOGSEAL_SIGNING_KEY');
  const skFile = str('signingKeyFile', signingKeyFile) ?? envOf(env, 'LOGSEAL_SIGNING_KEY_FILE');
  if (sk !== undefined) out.signingKey = signingKeyFromText('signingKey', sk);
  else if (skFile !== undefined) out.signingKey = signingKeyFromText('signingKeyFile', readKeyFile('signingKeyFile', skFile));
  const mk = str('macKey', macKey) ?? envOf(env, 'LOGSEAL_MAC_KEY');
  const mkFile = str('macKeyFile', macKeyFile) ?? envOf(env, 'LOGSEAL_MAC_KEY_FILE');
  if (mk !== undefined) out.macKey = mk;
  else if (mkFile !== undefined) out.macKey = readKeyFile('macKeyFile', mkFile);
  if (out.signingKey === undefined && out.macKey === undefined) {
    throw new LogSealError('LOGSEAL_ERR_KEY_MISSING', 'set option "signingKey"/"signingKeyFile" or "macKey"/"macKeyFile" (or LOGSEAL_SIGNING_KEY / LOGSEAL_MAC_KEY)');
  }
  const kid = config.kid ?? envOf(env, 'LOGSEAL_KID');
  if (kid !== undefined) out.kid = kid;

  // Redaction: an explicit policy wins; else the preset shorthand; else the environment; else 'secrets'.
  const policy: RedactionPolicy = { ...((config.redact as RedactionPolicy | undefined) ?? {}) } as RedactionPolicy;
  const p = policy as { preset?: unknown; hashKey?: unknown };
  if (p.preset === undefined) p.preset = str('preset', preset) ?? envOf(env, 'LOGSEAL_PRESET') ?? 'secrets';
  if (p.hashKey === undefined && envOf(env, 'LOGSEAL_HASH_KEY') !== undefined) p.hashKey = envOf(env, 'LOGSEAL_HASH_KEY');
  out.redact = policy;

  const t = str('token', token) ?? envOf(env, 'LOGSEAL_TOKEN');
  if (t !== undefined) {
    if (config.http?.auth !== undefined) invalidOption('token', 'absent when http.auth is set');
    out.http = { ...(config.http ?? {}), auth: { bearer: t } };
  }
  const spoolDir = envOf(env, 'LOGSEAL_SPOOL_DIR');
  if (config.spool === undefined && spoolDir !== undefined) out.spool = { dir: spoolDir };
  out.service = config.service ?? envOf(env, 'LOGSEAL_SERVICE') ?? defaultService(env);
  out.host = config.host ?? hostname();
  return out;
}

/** npm's package name when started by npm, else the entry script's name (also from pino's worker thread). */
function defaultService(env: NodeJS.ProcessEnv): string {
  return (env.npm_package_name ?? entryScriptName() ?? 'node').slice(0, 256);
}
