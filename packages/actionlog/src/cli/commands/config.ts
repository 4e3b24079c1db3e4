import type { Command } from 'commander';
import { configJsonSchema } from '../../config/json-schema.js';
import { loadConfig } from '../../config/load.js';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('inspect and check the configuration');

  config
    .command('check')
    .description(
      'print the effective configuration (file + NODE_ENV profile + ACTIONLOG_* variables), or what is wrong with it',
    )
    .option('--json', 'print the effective configuration as JSON only')
    .addHelpText(
      'after',
      '\nThe config file is ACTIONLOG_CONFIG, or the nearest actionlog.config.json / .yaml / .yml\n' +
        'from the working directory upwards. Exit code 1 when a setting is invalid.\n\n' +
        'Example:\n  $ ACTIONLOG_LEVEL=debug actionlog config check',
    )
    .action((options: { json?: boolean }) => {
      const loaded = loadConfig();
      if (options.json) {
        process.stdout.write(JSON.stringify(loaded.config, null, 2) + '\n');
      } else {
        process.stdout.write(`config file: ${loaded.file ?? '(none found; using defaults)'}\n`);
        if (loaded.profile) process.stdout.write(`profile:     ${loaded.profile} (from NODE_ENV)\n`);
        process.stdout.write(`effective configuration:\n${JSON.stringify(loaded.config, null, 2)}\n`);
      }
      for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
      for (const error of loaded.errors) process.stderr.write(`error: ${error}\n`);
      if (loaded.errors.length > 0) {
        process.stderr.write(
          `${loaded.errors.length} invalid setting(s); each falls back to its default until fixed\n`,
        );
        process.exitCode = 1;
      } else if (!options.json) {
        process.stdout.write('config OK\n');
      }
    });

  config
    .command('schema')
    .description('print the JSON Schema of actionlog.config.json (for editor completion and validation)')
    .action(() => {
      process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    });
}
