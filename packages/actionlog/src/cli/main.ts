#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerCleanCommand } from './commands/clean.js';
import { registerConfigCommand } from './commands/config.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerLogCommand } from './commands/log.js';
import { registerMaskCommand } from './commands/mask.js';
import { registerQueryCommand } from './commands/query.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerTailCommand } from './commands/tail.js';
import { registerVerifyCommand } from './commands/verify.js';
import { packageVersion } from './version.js';

/** The `actionlog` command: one file per sub-command under commands/. */
export function buildProgram(): Command {
  const program = new Command('actionlog')
    .description('structured action logs: write them masked and durable, read them back fast')
    .version(packageVersion(), '-v, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });
  registerConfigCommand(program);
  registerDemoCommand(program);
  registerMaskCommand(program);
  registerCleanCommand(program);
  registerVerifyCommand(program);
  registerQueryCommand(program);
  registerLogCommand(program);
  registerTailCommand(program);
  registerStatsCommand(program);
  program.addHelpText(
    'after',
    '\nStart with:\n  $ actionlog demo            write sample logs to ./logs\n  $ actionlog config check    show the effective configuration',
  );
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    // Bad input is the user's to fix: one line naming it, never a stack trace.
    process.stderr.write(`actionlog: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 2;
  }
}

await main();
