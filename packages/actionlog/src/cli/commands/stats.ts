import { type Command, Option } from 'commander';
import { summaryBase } from '../../query/output/summary.js';
import {
  addFilterOptions,
  type FilterFlags,
  filterConditions,
  runAction,
  withUsageExit,
} from '../command-kit.js';
import { terminal } from '../terminal.js';
import { parseTimeRange, type TimeRangeFlags } from '../time-range.js';
import { printSummary } from './log.js';
import { openEngine } from './query.js';

interface StatsOptions extends FilterFlags, TimeRangeFlags {
  dir: string;
  stream?: string;
  format: 'table' | 'json';
  color: boolean;
}

const EXAMPLES = `
Total records, sessions, errors and error rate; records by level, category, service, action
and status; the busiest hours; p50/p95/p99 duration per action; the slowest records.

Examples:
  $ actionlog stats                         everything in ./logs
  $ actionlog stats --since 7d
  $ actionlog stats --service PaymentService --date yesterday
  $ actionlog stats --since 1d --format json | jq .errorRate`;

export function registerStatsCommand(program: Command): void {
  const command = program
    .command('stats')
    .description('summarise the logs: volumes, errors, distributions, durations, slowest actions')
    .option('-d, --dir <dir>', 'log directory', './logs')
    .option('--stream <name>', 'read a sub-stream, e.g. audit')
    .option('--since <duration>', 'only the last 30s, 15m, 1h, 7d, …')
    .option('--from <time>', 'only from this time: ISO date/time, today, yesterday, or 2h (ago)')
    .option('--to <time>', 'only before this time')
    .option('--date <day>', 'only this day (UTC): YYYY-MM-DD, today, yesterday')
    .option('--date-range <first:last>', 'only these days, both included');
  addFilterOptions(command)
    .addOption(
      new Option('--format <format>', 'table for people, json for machines')
        .choices(['table', 'json'])
        .default('table'),
    )
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addHelpText('after', EXAMPLES)
    .action((options: StatsOptions) =>
      runAction('stats', async () => {
        const base = summaryBase(parseTimeRange(options), filterConditions(options));
        const engine = openEngine(options.dir, options.stream);
        await printSummary(engine, base, terminal({ color: options.color }), options.format === 'json');
      }),
    );
  withUsageExit(command);
}
