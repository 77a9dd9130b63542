#!/usr/bin/env node
/**
 * `logseal`: the command line of operators and auditors (issue 6). Each command is a module;
 * errors are printed with their stable code, and the exit status says what happened:
 * 0 success / verified, 1 not verified or not delivered, 2 usage or input error.
 */
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { LogSealError } from '@logseal/core';
import { type Command, type Io, helpText, parse } from './args.js';
import { keygen } from './keygen.js';
import { redact } from './redact.js';
import { seal } from './seal.js';
import { verifyCmd } from './verify.js';
import { ship } from './ship.js';
import { collector } from './collector.js';

export const COMMANDS: readonly Command[] = [collector, ship, redact, seal, verifyCmd, keygen];

function usage(): string {
  return ['Usage: logseal <command> [options]', '', 'Commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`), '', 'Run `logseal <command> --help` for its options.', ''].join('\n');
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) {
    io.stderr.write(`logseal: LOGSEAL_ERR_INVALID_OPTION: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const { values, positionals } = parse(cmd, rest);
    if (values.help === true) {
      io.stdout.write(helpText(cmd));
      return 0;
    }
    return await cmd.run(values, positionals, io);
  } catch (err) {
    const code = err instanceof LogSealError ? err.code : 'LOGSEAL_ERR_INTERNAL';
    io.stderr.write(`logseal ${cmd.name}: ${code}: ${(err as Error).message}\n`);
    return 2;
  }
}

// Run when executed as a program (also through npm's bin symlink).
const invoked = process.argv[1] !== undefined && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
if (invoked) {
  const code = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
}
