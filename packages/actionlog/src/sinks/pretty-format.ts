import type { LevelName } from '../record/levels.js';
import type { RecordView } from './sink.js';

const COLOURS: Record<LevelName, string> = {
  DEBUG: '\x1b[90m',
  INFO: '\x1b[36m',
  WARNING: '\x1b[33m',
  ERROR: '\x1b[31m',
  CRITICAL: '\x1b[1;41;97m',
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** `[2026-11-23 10:30:45] ERROR    | audit        | CaseService | message  action=… status=… 12ms` */
export function formatPretty(view: RecordView, colour: boolean): string {
  const time = view.timestamp.slice(0, 10) + ' ' + view.timestamp.slice(11, 19);
  const level = view.level.padEnd(8);
  const category = (view.category ?? '-').padEnd(12);
  let line = `[${time}] ${colour ? COLOURS[view.level] + level + RESET : level} | ${category} | ${view.service ?? '-'} | ${view.message}`;
  let extra = '';
  if (view.action !== undefined) extra += ` action=${view.action}`;
  if (view.status !== undefined) extra += ` status=${view.status}`;
  if (view.duration_ms !== undefined) extra += ` ${view.duration_ms}ms`;
  if (view.errorMessage !== undefined) extra += ` error=${JSON.stringify(view.errorMessage)}`;
  if (extra) line += colour ? DIM + ' ' + extra + RESET : ' ' + extra;
  return line + '\n';
}
