#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { packageVersion } from './version.js';

type Register = (program: Command) => void;

/**
 * The sub-commands, one file each under commands/, in the order `--help` lists them. They are
 * imported only when needed: `actionlog query …` loads the query engine and nothing else (the
 * config schema, the writers and the demo workload stay unloaded), which is a third of the
 * start-up time of a short query.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  config: async () => (await import('./commands/config.js')).registerConfigCommand,
  demo: async () => (await import('./commands/demo.js')).registerDemoCommand,
  mask: async () => (await import('./commands/mask.js')).registerMaskCommand,
  clean: async () => (await import('./commands/clean.js')).registerCleanCommand,
  verify: async () => (await import('./commands/verify.js')).registerVerifyCommand,
  query: async () => (await import('./commands/query.js')).registerQueryCommand,
  log: async () => (await import('./commands/log.js')).registerLogCommand,
  tail: async () => (await import('./commands/tail.js')).registerTailCommand,
  stats: async () => (await import('./commands/stats.js')).registerStatsCommand,
  serve: async () => (await import('./commands/serve.js')).registerServeCommand,
};

/**
 * The `actionlog` command. With `only` (a known sub-command name) just that one is registered;
 * otherwise all are (for `--help`, and for commander's "did you mean" on an unknown command).
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('actionlog')
    .description('structured action logs: write them masked and durable, read them back fast')
    .version(packageVersion(), '-v, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });
  const names = only !== undefined && Object.hasOwn(COMMANDS, only) ? [only] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((name) => COMMANDS[name]()));
  for (const register of registers) register(program);
  program.addHelpText(
    'after',
    '\nStart with:\n  $ actionlog demo            write sample logs to ./logs\n  $ actionlog config check    show the effective configuration',
  );
  return program;
}

async function main(): Promise<void> {
  try {
    // The first argument names the sub-command (the program itself has no options that take a value).
    const program = await buildProgram(process.argv[2]);
    program.exitOverride();
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
