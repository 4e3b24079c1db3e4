import type { Command } from 'commander';
import type { QueryAst, Row } from '../../query/ast.js';
import { compileRowSteps } from '../../query/compile-js.js';
import { followLines } from '../../query/engine/follow.js';
import { formatHumanLine } from '../../query/output/human-line.js';
import { summaryBase } from '../../query/output/summary.js';
import {
  addFilterOptions,
  type FilterFlags,
  filterConditions,
  positiveInt,
  runAction,
  withUsageExit,
  write,
} from '../command-kit.js';
import { NO_RECORDS, reportScan } from '../print-rows.js';
import { terminal } from '../terminal.js';
import { openEngine } from './query.js';

interface TailOptions extends FilterFlags {
  dir: string;
  stream?: string;
  lines: string;
  follow?: boolean;
  json?: boolean;
  color: boolean;
}

const EXAMPLES = `
Examples:
  $ actionlog tail                         the last 10 records, one readable line each
  $ actionlog tail -f --level warning      then keep printing new ones (Ctrl-C to stop)
  $ actionlog tail -f --category audit --stream audit
  $ actionlog tail -n 50 --service PaymentService --status failed
  $ actionlog tail -f --json | jq .message

-f follows the newest file across midnight and size rotation (2026-11-23.1.jsonl, …) and
prints every new line once, in order.`;

export function registerTailCommand(program: Command): void {
  const command = program
    .command('tail')
    .description('print the last records as readable lines; -f keeps following new ones')
    .option('-d, --dir <dir>', 'log directory', './logs')
    .option('--stream <name>', 'read a sub-stream, e.g. audit')
    .option('-n, --lines <n>', 'how many of the last records to show first', '10')
    .option('-f, --follow', 'keep printing records as they are written (Ctrl-C to stop)')
    .option('--json', 'print the JSON lines as written instead of readable lines');
  addFilterOptions(command)
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addHelpText('after', EXAMPLES)
    .action((options: TailOptions) =>
      runAction('tail', async () => {
        const count = positiveInt(options.lines, '--lines', 100_000);
        const base = summaryBase({}, filterConditions(options));
        const engine = openEngine(options.dir, options.stream);
        const term = terminal({ color: options.color });
        const follow = options.follow === true;
        const print = (record: Row, line: string) =>
          options.json
            ? `${line}\n`
            : `${formatHumanLine(record, { color: term.color, width: term.progress ? term.width : 0 })}\n`;
        // The files as they are now: the last lines come from exactly these bytes, and following
        // starts right after them, so no line is shown twice or missed in between.
        const sources = engine.sources();
        const query: QueryAst = { ...base, stages: [...base.stages, { kind: 'limit', count, offset: 0 }] };
        const result = await engine.run(query, { sources });
        const rows = result.rows.reverse();
        let out = '';
        for (const row of rows) out += print(row, JSON.stringify(row));
        if (out) await write(out);
        reportScan(result.stats, false);
        if (!follow) {
          if (rows.length === 0) await write(`${NO_RECORDS}\n`);
          return;
        }
        const { step } = compileRowSteps(base.stages);
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        for await (const line of followLines({ dir: engine.dir, start: sources, signal: stop.signal })) {
          let record: unknown;
          try {
            record = JSON.parse(line);
          } catch {
            continue;
          }
          if (typeof record !== 'object' || record === null || Array.isArray(record)) continue;
          if (step(record as Row, line) !== undefined) await write(print(record as Row, line));
        }
      }),
    );
  withUsageExit(command);
}
