/**
 * Argument parsing for `logseal` commands on node:util parseArgs: every command declares its
 * options once, and an unknown or malformed option is a coded usage error naming it.
 */
import { parseArgs } from 'node:util';
import { LogSealError } from '@logseal/core';

export interface Opt {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** One line for --help. */
  description?: string;
}
export type Options = Record<string, Opt>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** Extra help text after the options. */
  help?: string;
  run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number>;
}

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export class UsageError extends LogSealError {
  constructor(message: string) {
    super('LOGSEAL_ERR_INVALID_OPTION', message);
  }
}

export function parse(cmd: Command, argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const options = Object.fromEntries(Object.entries(cmd.options).map(([k, { description: _d, ...o }]) => [k, o]));
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    throw new UsageError(`${cmd.name}: ${(err as Error).message}`);
  }
}

export function helpText(cmd: Command): string {
  const lines = [`Usage: logseal ${cmd.usage}`, '', cmd.summary, '', 'Options:'];
  for (const [name, o] of Object.entries(cmd.options)) {
    const flag = `--${name}${o.type === 'string' ? ' <value>' : ''}${o.short !== undefined ? `, -${o.short}` : ''}`;
    lines.push(`  ${flag.padEnd(28)}${o.description ?? ''}`);
  }
  lines.push(`  ${'--help, -h'.padEnd(28)}this help`);
  if (cmd.help !== undefined) lines.push('', cmd.help);
  return lines.join('\n') + '\n';
}

/** A string option that must be present. */
export function required(cmd: string, values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`${cmd}: option --${name} is required`);
  return v;
}

/** A positive integer option. */
export function intOption(cmd: string, values: Record<string, unknown>, name: string, dflt: number): number {
  const v = values[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${cmd}: option --${name} must be a positive integer (got ${JSON.stringify(v)})`);
  return n;
}
