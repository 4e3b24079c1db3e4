import type { Row } from '../ast.js';

export interface HumanLineOptions {
  color: boolean;
  /** Cut the line to this many terminal cells with `…` (0: no limit). */
  width?: number;
}

const RESET = '\u001b[0m';
const LEVEL_STYLE: Record<string, string> = {
  DEBUG: '\u001b[2m',
  INFO: '\u001b[32m',
  WARNING: '\u001b[33m',
  ERROR: '\u001b[31m',
  CRITICAL: '\u001b[1;31m',
};

/**
 * One record as one readable line, for `tail`:
 * `2026-11-23 10:30:45.123 ERROR   AgentService tool_error failed 98.1ms  write_file: exited with 1  session=sess-0004`
 */
export function formatHumanLine(record: Row, options: HumanLineOptions): string {
  const text = (value: unknown) =>
    typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);
  const ts = text(record.timestamp).replace('T', ' ').replace(/Z$/, '');
  const level = text(record.level) || '-';
  const what = [text(record.service), text(record.action)].filter(Boolean).join(' ');
  const status = text(record.status);
  const duration = typeof record.duration_ms === 'number' ? `${formatMs(record.duration_ms)}` : '';
  const message = text(record.message);
  const error = record.error as { type?: unknown; message?: unknown } | undefined;
  const errorText =
    error && typeof error === 'object'
      ? [text(error.type), text(error.message)].filter(Boolean).join(': ')
      : '';
  const ids = ['session_id', 'user_id', 'request_id']
    .filter((key) => typeof record[key] === 'string')
    .map((key) => `${key.replace(/_id$/, '')}=${record[key] as string}`)
    .join(' ');
  // The message often just repeats the action: say it once.
  const parts = [
    what,
    status,
    duration,
    message && message !== text(record.action) ? message : '',
    errorText ? `— ${errorText}` : '',
    ids,
  ].filter(Boolean);
  const c = options.color;
  const failed = status === 'failed' || status === 'error';
  let line =
    (c ? `\u001b[2m${ts}${RESET}` : ts) +
    ' ' +
    (c ? `${LEVEL_STYLE[level] ?? ''}${level.padEnd(8)}${RESET}` : level.padEnd(8)) +
    ' ' +
    parts.join('  ').replace(/\r?\n/g, ' ⏎ ');
  if (c && failed) line = line.replace(` ${status} `, ` \u001b[31m${status}${RESET} `);
  return options.width ? cut(line, options.width) : line;
}

function formatMs(ms: number): string {
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)}m`;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.round(ms * 10) / 10}ms`;
}

/** Cuts to `max` visible cells (ANSI escapes take none), ending in `…`. */
function cut(line: string, max: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; ) {
    if (line[i] === '\u001b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(i)!);
    if (visible === max - 1 && i + char.length < line.length && visibleRest(line, i) > 1) {
      return out + '…' + (line.includes('\u001b') ? RESET : '');
    }
    out += char;
    visible++;
    i += char.length;
  }
  return out;
}

function visibleRest(line: string, from: number): number {
  return line.slice(from).replace(/\u001b\[[\d;]*m/g, '').length;
}
