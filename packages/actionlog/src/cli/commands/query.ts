import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { QueryAst, Row } from '../../query/ast.js';
import { outputColumns } from '../../query/compile-js.js';
import { FileEngine, type ScanStats } from '../../query/engine/file-engine.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../query/output/format-rows.js';
import { parsePipeline } from '../../query/parser.js';
import { runAction, withUsageExit } from '../command-kit.js';
import { printRows, reportScan } from '../print-rows.js';
import { progressReporter, terminal } from '../terminal.js';
import { parseTimeRange, UsageError } from '../time-range.js';

interface QueryOptions {
  dir: string;
  stream?: string;
  since?: string;
  from?: string;
  to?: string;
  format: OutputFormat;
  color: boolean;
}

/** Rows a table shows when the query sets no limit (records only; stats results are never cut). */
export const TABLE_ROW_CAP = 1000;

const EXAMPLES = `
The pipeline (one stage per |):
  filter <condition>        = != < <= > >=  in [..]  like /re/i  contains "x"  exists(f)  not and or ( )
  "some text"               full text: the record's line contains it (any case)
  fields a, b.c as x        show these fields (later stages still see every field)
  parse message "Tool use: *" as tool_name
  stats count(), p95(duration_ms) by service, bin(5m)
                            count sum avg min max count_distinct p50 p90 p95 p99
  sort n desc | limit 20    records come newest first unless sorted
Fields reach into data and error: data.tool_name, error.type, error.message.

Examples:
  $ actionlog query 'filter level >= "ERROR" | fields timestamp, service, action, error.message' --since 1h
  $ actionlog query '"rate limit" and status = "failed"' --since 1d --format jsonl
  $ actionlog query 'stats count() as n, p95(duration_ms) by service | sort n desc'
  $ actionlog query 'filter action = "tool_call" | stats count() by data.tool_name, bin(1h)' --format csv
  $ actionlog query 'filter category = "audit" | limit 20' --stream audit

Exit status: 0 with or without results (then "no records"), 2 for a bad query or option.`;

export function registerQueryCommand(program: Command): void {
  const command = program
    .command('query')
    .description('run a pipeline query over the log files (plain and .jsonl.gz)')
    .argument('<pipeline>', 'the query, e.g. \'filter status = "failed" | stats count() by service\'')
    .option('-d, --dir <dir>', 'log directory', './logs')
    .option('--stream <name>', 'read a sub-stream of the directory, e.g. audit or errors')
    .option('--since <duration>', 'only the last 30s, 15m, 1h, 7d, …')
    .option('--from <time>', 'only from this time: ISO date/time, today, yesterday, or 2h (ago)')
    .option('--to <time>', 'only before this time (same forms as --from)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addHelpText('after', EXAMPLES)
    .action((pipeline: string, options: QueryOptions) =>
      runAction('query', async () => {
        const ast: QueryAst = { ...parsePipeline(pipeline), range: parseTimeRange(options) };
        const engine = openEngine(options.dir, options.stream);
        const term = terminal({ color: options.color });
        const progress = progressReporter(term.progress);
        let stats: ScanStats;
        try {
          stats = await printQuery(engine, ast, options.format, term, progress.update);
        } finally {
          progress.clear();
        }
        reportScan(stats, term.progress);
      }),
    );
  withUsageExit(command);
}

/** A FileEngine over an existing log directory (a missing one is a usage error, with the fix). */
export function openEngine(dir: string, stream?: string): FileEngine {
  const engine = new FileEngine({ dir, stream });
  if (!existsSync(engine.dir)) {
    throw new UsageError(
      `no log directory at ${engine.dir}; give --dir (and --stream), or write sample logs with: actionlog demo --dir ${dir}`,
    );
  }
  return engine;
}

async function printQuery(
  engine: FileEngine,
  ast: QueryAst,
  format: OutputFormat,
  term: ReturnType<typeof terminal>,
  onProgress: (done: number, total: number) => void,
): Promise<ScanStats> {
  const columns = outputColumns(ast);
  if (format === 'jsonl' || format === 'json') {
    let stats: ScanStats | undefined;
    const lines = engine.lines(ast, { onProgress, onDone: (s) => (stats = s) });
    await printRows(lines, format, term);
    return stats!;
  }
  // Tables of records stop at TABLE_ROW_CAP unless the query limits them itself.
  const last = ast.stages[ast.stages.length - 1];
  const capped = format !== 'csv' && !columns && last?.kind !== 'limit';
  const query: QueryAst = capped
    ? { ...ast, stages: [...ast.stages, { kind: 'limit', count: TABLE_ROW_CAP + 1, offset: 0 }] }
    : ast;
  const result = await engine.run(query, { onProgress });
  let rows: Row[] = result.rows;
  const more = capped && rows.length > TABLE_ROW_CAP;
  if (more) rows = rows.slice(0, TABLE_ROW_CAP);
  await printRows(rows, format, term, { shape: result.shape, columns: result.columns });
  if (more) {
    process.stderr.write(
      `(showing the newest ${TABLE_ROW_CAP}; add "| limit N" to the query, or --format jsonl for all)\n`,
    );
  }
  return result.stats;
}
