import { type Command, Option } from 'commander';
import type { QueryAst } from '../../query/ast.js';
import type { FileEngine } from '../../query/engine/file-engine.js';
import { OUTPUT_FORMATS } from '../../query/output/format-rows.js';
import { buildSummary, formatSummary, summaryBase, summaryQueries } from '../../query/output/summary.js';
import {
  addFilterOptions,
  type FilterFlags,
  filterConditions,
  positiveInt,
  runAction,
  withUsageExit,
  write,
} from '../command-kit.js';
import { printRows, reportScan } from '../print-rows.js';
import { progressReporter, type Terminal, terminal } from '../terminal.js';
import { dayOf, parseTimeRange, type TimeRangeFlags } from '../time-range.js';
import { openEngine } from './query.js';

interface LogOptions extends FilterFlags, TimeRangeFlags {
  dir: string;
  stream?: string;
  tail?: string;
  limit?: string;
  format: string;
  color: boolean;
}

const FORMATS = [...OUTPUT_FORMATS, 'summary'] as const;

const EXAMPLES = `
Shows the newest records (oldest of them first, like tail), today (UTC) unless a time flag says otherwise.

Examples:
  $ actionlog log                                   the last 50 records of today
  $ actionlog log --status failed --since 1h
  $ actionlog log --session-id sess-0042 --tail 200
  $ actionlog log -a tool_call -a tool_error --tool-name bash --date 2026-11-23
  $ actionlog log --level warning --service PaymentService --date-range 2026-11-01:2026-11-07
  $ actionlog log --keyword "rate limit" --format jsonl
  $ actionlog log --category http --format summary   counts of everything matching (not just --tail)`;

export function registerLogCommand(program: Command): void {
  const command = program
    .command('log')
    .description('show recent records, filtered by the usual fields (the quick form of query)')
    .option('-d, --dir <dir>', 'log directory', './logs')
    .option('--stream <name>', 'read a sub-stream, e.g. audit')
    .option('-n, --tail <n>', 'how many of the newest records to show', '50')
    .option('--limit <n>', 'the same as --tail')
    .option('--date <day>', 'only this day (UTC): YYYY-MM-DD, today, yesterday')
    .option('--date-range <first:last>', 'only these days, both included, e.g. 2026-11-01:2026-11-07')
    .option('--since <duration>', 'only the last 30s, 15m, 1h, 7d, …')
    .option('--from <time>', 'only from this time: ISO date/time, today, yesterday, or 2h (ago)')
    .option('--to <time>', 'only before this time');
  addFilterOptions(command)
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'))
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addHelpText('after', EXAMPLES)
    .action((options: LogOptions) =>
      runAction('log', async () => {
        const count = positiveInt(
          options.limit ?? options.tail ?? '50',
          options.limit ? '--limit' : '--tail',
        );
        const explicit = [options.since, options.from, options.to, options.date, options.dateRange].some(
          (v) => v !== undefined,
        );
        const now = Date.now();
        const range = parseTimeRange(explicit ? options : { date: dayOf(now) }, now);
        const base = summaryBase(range, filterConditions(options));
        const engine = openEngine(options.dir, options.stream);
        const term = terminal({ color: options.color });
        if (options.format === 'summary') {
          await printSummary(engine, base, term);
          return;
        }
        const progress = progressReporter(term.progress);
        const query: QueryAst = { ...base, stages: [...base.stages, { kind: 'limit', count, offset: 0 }] };
        const result = await engine.run(query, { onProgress: progress.update }).finally(progress.clear);
        // Newest first from the engine; shown oldest first so the newest line is the last one.
        const rows = result.rows.reverse();
        const format = options.format as (typeof OUTPUT_FORMATS)[number];
        const shown = await printRows(rows, format, term, { shape: 'records' });
        if (shown === 0 && !explicit) hintOtherDays(engine, now);
        reportScan(result.stats, term.progress);
      }),
    );
  withUsageExit(command);
}

/** The summary of everything matching (the same as `actionlog stats`). */
export async function printSummary(
  engine: FileEngine,
  base: QueryAst,
  term: Terminal,
  json = false,
): Promise<void> {
  const progress = progressReporter(term.progress);
  const results = await engine
    .runAll(summaryQueries(base), { onProgress: progress.update })
    .finally(progress.clear);
  const summary = buildSummary(results);
  if (json) await write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (summary.records === 0) await write('no records\n');
  else await write(`${formatSummary(summary, { color: term.color, width: term.width })}\n`);
  reportScan(results[0].stats, term.progress);
}

/**
 * Nothing shown for today: say which days do have records, so the next command works; when
 * today has records, it was the filters that matched none of them.
 */
function hintOtherDays(engine: FileEngine, now: number): void {
  const days = [...new Set(engine.sources().map((s) => s.day))];
  if (days.length === 0) return;
  const newest = days[days.length - 1];
  const today = dayOf(now);
  process.stderr.write(
    newest === today
      ? `(none of today's records, ${today} UTC, match these filters; --since 7d looks further back)\n`
      : `(nothing today, ${today} UTC; the newest records are from ${newest}: try --date ${newest} or --since 7d)\n`,
  );
}
