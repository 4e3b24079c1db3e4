import type { Row } from '../ast.js';
import { pathGetter } from '../values.js';

export const OUTPUT_FORMATS = ['table', 'json', 'jsonl', 'csv', 'md'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** How result rows are read: whole records (columns are field paths) or flat rows (column names). */
export type RowShape = 'records' | 'columns';

/** Columns shown for whole records, in this order, when some row has them. */
const RECORD_COLUMNS = [
  'timestamp',
  'level',
  'service',
  'action',
  'status',
  'duration_ms',
  'message',
  'error.message',
];

/** The columns to show: the query's own, or for records the usual ones that occur. */
export function columnsFor(rows: readonly Row[], shape: RowShape, columns?: readonly string[]): string[] {
  if (shape === 'columns') {
    if (columns) return [...columns];
    const seen = new Set<string>();
    for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
    return [...seen];
  }
  return RECORD_COLUMNS.filter((column) => {
    const get = pathGetter(column.split('.'));
    return rows.some((row) => get(row) !== undefined && get(row) !== null);
  });
}

/** A cell's value: a path into a record, or a key of a flat row. */
export function cellGetter(column: string, shape: RowShape): (row: Row) => unknown {
  if (shape === 'columns') return (row) => row[column];
  return pathGetter(column.split('.'));
}

/** A value as text in one line: strings as they are, everything else as JSON; null and missing empty. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(round(value));
  return JSON.stringify(value);
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value * 10) / 10 : Math.round(value * 1000) / 1000;
}

export interface TableOptions {
  /** Terminal width; the table fits in it, cutting long cells with `…`. */
  width: number;
  color: boolean;
}

const MIN_COLUMN = 6;
const GAP = '  ';

/**
 * An aligned text table that fits `width`: columns keep their natural width while they fit;
 * past that the widest shrink first (messages before timestamps), and cut cells end in `…`.
 * Numbers are right-aligned; levels and failures are coloured when `color` is set.
 */
export function formatTable(
  rows: readonly Row[],
  columns: readonly string[],
  shape: RowShape,
  options: TableOptions,
): string {
  const getters = columns.map((c) => cellGetter(c, shape));
  const headers = columns.slice();
  const cells = rows.map((row) => getters.map((get, i) => displayCell(columns[i], get(row))));
  // All on one day: the day goes into the header and the cells keep the time.
  columns.forEach((column, i) => {
    if (column !== 'timestamp' && !column.startsWith('bin(')) return;
    const day = cells[0]?.[i].slice(0, 11);
    if (!day || !/^\d{4}-\d{2}-\d{2} $/.test(day) || !cells.every((r) => r[i].startsWith(day))) return;
    headers[i] = `${column === 'timestamp' ? '' : `${column} `}${day.trim()}`;
    for (const r of cells) r[i] = r[i].slice(11);
  });
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((row) => isNumberish(getters[i](row))));
  const values = columns.map((_, i) => cells.reduce((max, r) => Math.max(max, width(r[i])), 0));
  const natural = columns.map((_, i) => Math.max(width(headers[i]), values[i]));
  // Timestamps and numbers are cut last: a cut number or time is a wrong one.
  const firm = columns.map((c, i) => numeric[i] || c === 'timestamp' || c.startsWith('bin('));
  const widths = fit(natural, headers.map(width), values, options.width, firm);
  const shown = widths.map((w, i) => (w > 0 ? i : -1)).filter((i) => i !== -1);
  const paint = options.color ? colorizer(columns) : undefined;
  const line = (row: string[], header: boolean) =>
    shown
      .map((i) => {
        const value = row[i];
        const cut = truncate(value, widths[i]);
        const padded =
          numeric[i] && !header ? cut.padStart(widths[i] + cut.length - width(cut)) : padEnd(cut, widths[i]);
        if (!paint) return padded;
        return header ? `\u001b[1m${padded}\u001b[22m` : paint(i, value, padded);
      })
      .join(GAP)
      .trimEnd();
  return [line(headers, true), ...cells.map((values) => line(values, false))].join('\n');
}

/** Timestamps as `2026-11-23 10:30:45.123` (UTC): the T and Z add nothing on screen. */
function displayCell(column: string, value: unknown): string {
  const text = cellText(value).replace(/\r?\n/g, ' ⏎ ').replace(/\t/g, ' ');
  if ((column === 'timestamp' || column.startsWith('bin(')) && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(text)) {
    return text.replace('T', ' ').replace(/Z$/, '');
  }
  return text;
}

function isNumberish(value: unknown): boolean {
  return value === null || value === undefined || typeof value === 'number';
}

/**
 * Column widths that add up to at most `room`. Long text (messages, errors) gives way first,
 * down to 16 cells; then any column down to its header (at most 12); then timestamps and
 * numbers down to their values (their headers get cut instead); then every text column down to
 * 6. A table that still does not fit loses columns from the right (width 0).
 */
function fit(natural: number[], header: number[], values: number[], room: number, firm: boolean[]): number[] {
  const widths = natural.slice();
  const phases = [
    (i: number) => (firm[i] ? natural[i] : Math.max(16, Math.min(header[i], 24))),
    (i: number) => (firm[i] ? natural[i] : Math.max(MIN_COLUMN, Math.min(header[i], 12))),
    (i: number) =>
      Math.max(MIN_COLUMN, firm[i] ? Math.max(values[i], Math.min(header[i], 12)) : Math.min(header[i], 12)),
    (i: number) => Math.max(MIN_COLUMN, firm[i] ? values[i] : 0),
  ];
  const total = () => widths.reduce((sum, w) => sum + (w > 0 ? w + GAP.length : 0), -GAP.length);
  for (const floor of phases) {
    while (total() > room) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if (widths[i] > floor(i) && (widest === -1 || widths[i] > widths[widest])) widest = i;
      }
      if (widest === -1) break;
      const others = widths.filter((w, i) => i !== widest && w > floor(i));
      const target = Math.max(
        floor(widest),
        others.length ? Math.max(...others) : 0,
        widths[widest] - (total() - room),
      );
      widths[widest] = target < widths[widest] ? target : widths[widest] - 1;
    }
    if (total() <= room) return widths;
  }
  for (let i = widths.length - 1; i > 0 && total() > room; i--) widths[i] = 0;
  return widths;
}

/** Display width in terminal cells (code points; wide CJK characters count as one). */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function truncate(text: string, max: number): string {
  if (width(text) <= max) return text;
  return [...text].slice(0, Math.max(0, max - 1)).join('') + '…';
}

function padEnd(text: string, size: number): string {
  return text + ' '.repeat(Math.max(0, size - width(text)));
}

const RED = ['\u001b[31m', '\u001b[39m'];
const YELLOW = ['\u001b[33m', '\u001b[39m'];
const DIM = ['\u001b[2m', '\u001b[22m'];

function colorizer(columns: readonly string[]) {
  return (i: number, value: string, padded: string): string => {
    const column = columns[i];
    let style: string[] | undefined;
    if (column === 'level') {
      style =
        value === 'ERROR' || value === 'CRITICAL'
          ? RED
          : value === 'WARNING'
            ? YELLOW
            : value === 'DEBUG'
              ? DIM
              : undefined;
    } else if (column === 'status') {
      style = value === 'failed' || value === 'error' ? RED : undefined;
    } else if (column === 'timestamp') {
      style = DIM;
    }
    return style ? style[0] + padded + style[1] : padded;
  };
}

/** RFC 4180 CSV with a header line; nested values as JSON. */
export function formatCsv(rows: readonly Row[], columns: readonly string[], shape: RowShape): string {
  const getters = columns.map((c) => cellGetter(c, shape));
  const quote = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = [columns.map(quote).join(',')];
  for (const row of rows) lines.push(getters.map((get) => quote(cellText(get(row)))).join(','));
  return lines.join('\n');
}

/** A GitHub-flavoured Markdown table. */
export function formatMarkdown(rows: readonly Row[], columns: readonly string[], shape: RowShape): string {
  const getters = columns.map((c) => cellGetter(c, shape));
  const escapeCell = (text: string) =>
    text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((row) => isNumberish(getters[i](row))));
  const lines = [
    `| ${columns.map(escapeCell).join(' | ')} |`,
    `|${numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`,
  ];
  for (const row of rows)
    lines.push(`| ${getters.map((get, i) => escapeCell(displayCell(columns[i], get(row)))).join(' | ')} |`);
  return lines.join('\n');
}
