import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { listSegments } from '../../files/segments.js';
import { createLogger } from '../../logger/create-logger.js';
import { demoClock, seededRandom, writeDemoWorkload } from '../demo-workload.js';

interface DemoOptions {
  dir: string;
  sessions: string;
  hours: string;
  seed: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'write a realistic mixed workload (agent sessions, tool calls, LLM and HTTP requests, audit changes, failures) to try the tools on',
    )
    .option('-d, --dir <dir>', 'log directory', './logs')
    .option('--sessions <n>', 'number of agent sessions', '200')
    .option('--hours <h>', 'start the records <h> hours ago (they move forward as sessions go by)', '6')
    .option('--seed <n>', 'random seed (the same seed writes the same workload)', '1')
    .addHelpText('after', '\nExample:\n  $ actionlog demo --dir ./logs --sessions 500')
    .action(async (options: DemoOptions) => {
      const sessions = positiveInt(options.sessions, '--sessions');
      const hours = Number(options.hours);
      if (!Number.isFinite(hours) || hours < 0 || hours > 24 * 30) {
        throw new DemoError(`--hours: got "${options.hours}"; expected a number of hours from 0 to 720`);
      }
      const dir = resolve(options.dir);
      const clock = demoClock(hours * 3_600_000);
      const log = createLogger({ dir, console: false, app: 'demo-shop', clock: clock.now });
      const startedAt = clock.now();
      const records = writeDemoWorkload(
        log,
        sessions,
        seededRandom(positiveInt(options.seed, '--seed')),
        clock,
      );
      const span = `${isoMinute(startedAt)} → ${isoMinute(clock.now())} UTC`;
      await log.close();
      const shown = relative(process.cwd(), dir) || '.';
      const files = listSegments(dir).map((s) => `${shown}/${s.name}`);
      const audit = listSegments(resolve(dir, 'audit')).map((s) => `${shown}/audit/${s.name}`);
      process.stdout.write(
        `wrote ${records} records from ${sessions} sessions, ${span}\n` +
          `  all records:   ${files.join(', ')}\n` +
          (audit.length ? `  audit records: ${audit.join(', ')}\n` : ''),
      );
    });
}

export class DemoError extends Error {}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function positiveInt(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 10_000_000) {
    throw new DemoError(`${flag}: got "${text}"; expected a whole number from 1 to 10000000`);
  }
  return value;
}
