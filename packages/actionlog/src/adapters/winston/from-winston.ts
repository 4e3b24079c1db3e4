import { type LevelName, parseLevel } from '../../record/levels.js';
import type { ErrorInfo, LogFields } from '../../record/record.js';

const LEVEL = Symbol.for('level');

/** winston's npm and syslog levels. */
const WINSTON_LEVELS: Readonly<Record<string, LevelName>> = {
  emerg: 'CRITICAL',
  alert: 'CRITICAL',
  crit: 'CRITICAL',
  error: 'ERROR',
  warning: 'WARNING',
  warn: 'WARNING',
  notice: 'INFO',
  info: 'INFO',
  http: 'INFO',
  verbose: 'DEBUG',
  debug: 'DEBUG',
  silly: 'DEBUG',
};

// Added by format.colorize() to `info.level`; the untouched level is under Symbol.for('level').
const ANSI = /\u001b\[[0-9;]*m/g;

/** winston's level name as an actionlog level (unknown custom levels: INFO). */
export function winstonLevel(level: unknown): LevelName {
  if (typeof level !== 'string') return 'INFO';
  const name = level.replace(ANSI, '');
  return WINSTON_LEVELS[name] ?? parseLevel(name) ?? 'INFO';
}

/**
 * A winston `info` object as an actionlog call: level mapped, `message` → message, an error
 * (`format.errors()`'s `stack`, or an Error in `err`/`error`) → error, `label` → logger; `action`,
 * `service`, `status`, `duration_ms`, `category` and the correlation ids stay record fields;
 * everything else (its `timestamp` aside: the record has its own) goes to `data`.
 */
export function fromWinston(info: Record<string | symbol, unknown>): {
  level: LevelName;
  message: string;
  fields: LogFields;
} {
  const level = winstonLevel(info[LEVEL] ?? info.level);
  const rawMessage = info.message;
  const message =
    typeof rawMessage === 'string' ? rawMessage : rawMessage === undefined ? '' : String(rawMessage);
  const fields: LogFields = {};
  const stackError = typeof info.stack === 'string' ? errorFromStack(info) : undefined;
  if (stackError !== undefined) fields.error = stackError;
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (key === 'level' || key === 'message' || key === 'timestamp') continue;
    if (stackError !== undefined && (key === 'stack' || key === 'code' || key === 'cause' || key === 'name'))
      continue;
    if (key === 'label' && typeof value === 'string') fields.logger = value;
    else if ((key === 'err' || key === 'error') && value instanceof Error && fields.error === undefined)
      fields.error = value;
    else fields[key] = value;
  }
  return { level, message, fields };
}

/** `format.errors({ stack: true })` spreads the Error onto `info`: gather it back. */
function errorFromStack(info: Record<string | symbol, unknown>): ErrorInfo {
  const stack = info.stack as string;
  const firstLine = stack.slice(0, stack.indexOf('\n') === -1 ? undefined : stack.indexOf('\n'));
  const separator = firstLine.indexOf(': ');
  const head = separator === -1 ? firstLine : firstLine.slice(0, separator);
  const type = typeof info.name === 'string' ? info.name : /^[\w$.]+$/.test(head) ? head : 'Error';
  const error: ErrorInfo = {
    type,
    message: separator === -1 ? String(info.message ?? '') : firstLine.slice(separator + 2),
    stack,
  };
  if (typeof info.code === 'string' || typeof info.code === 'number') error.code = info.code;
  if (info.cause !== undefined) error.cause = info.cause;
  return error;
}
