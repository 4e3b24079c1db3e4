import type { Row } from '../query/ast.js';
import type { ScanStats } from '../query/engine/file-engine.js';
import {
  columnsFor,
  formatCsv,
  formatMarkdown,
  formatTable,
  type OutputFormat,
  type RowShape,
} from '../query/output/format-rows.js';
import { write } from './command-kit.js';
import { formatBytes, type Terminal } from './terminal.js';

export const NO_RECORDS = 'no records';

/**
 * Prints rows in a format. JSON text (`lines`) streams for json/jsonl; tables need all rows.
 * With no rows: "no records" (on stderr for machine formats, so their stdout stays parseable).
 */
export async function printRows(
  rows: AsyncIterable<string> | readonly Row[],
  format: OutputFormat,
  term: Terminal,
  layout: { shape?: RowShape; columns?: string[] } = {},
): Promise<number> {
  if (!Array.isArray(rows)) return printJsonLines(rows as AsyncIterable<string>, format);
  const list = rows as readonly Row[];
  if (format === 'json' || format === 'jsonl') {
    return printJsonLines(
      (async function* () {
        for (const row of list) yield JSON.stringify(row);
      })(),
      format,
    );
  }
  if (list.length === 0) {
    if (format === 'csv') process.stderr.write(`${NO_RECORDS}\n`);
    else await write(`${NO_RECORDS}\n`);
    return 0;
  }
  const shape = layout.shape ?? 'records';
  const columns = columnsFor(list, shape, layout.columns);
  const text =
    format === 'csv'
      ? formatCsv(list, columns, shape)
      : format === 'md'
        ? formatMarkdown(list, columns, shape)
        : formatTable(list, columns, shape, { width: term.width, color: term.color });
  await write(`${text}\n`);
  return list.length;
}

async function printJsonLines(
  lines: AsyncIterable<string>,
  format: 'json' | 'jsonl' | OutputFormat,
): Promise<number> {
  let count = 0;
  let pending = '';
  for await (const line of lines) {
    pending += format === 'json' ? `${count === 0 ? '[\n' : ',\n'}${line}` : `${line}\n`;
    count++;
    if (pending.length > 1 << 16) {
      await write(pending);
      pending = '';
    }
  }
  if (format === 'json') pending += count === 0 ? '[]\n' : '\n]\n';
  if (pending) await write(pending);
  if (count === 0) process.stderr.write(`${NO_RECORDS}\n`);
  return count;
}

/**
 * What the scan met: corrupt and torn lines and unreadable files always (on stderr); on a TTY
 * also how much was read and how fast.
 */
export function reportScan(stats: ScanStats, tty: boolean): void {
  const notes: string[] = [];
  if (stats.corrupt > 0) notes.push(`${stats.corrupt} corrupt line(s) skipped`);
  if (stats.torn > 0) notes.push(`${stats.torn} torn last line(s) skipped (a crash, or a write in progress)`);
  for (const error of stats.errors) notes.push(`could not read ${error}`);
  for (const note of notes) process.stderr.write(`warning: ${note}\n`);
  if (tty && stats.files > 0) {
    const seconds = stats.elapsedMs / 1000;
    process.stderr.write(
      `\u001b[2m${stats.matched.toLocaleString('en-US')} matched · ${stats.files} file(s), ${formatBytes(stats.bytes)} read in ${seconds.toFixed(2)} s\u001b[22m\n`,
    );
  }
}
