import { type LevelName, parseLevel } from '../../record/levels.js';
import type { LogFields } from '../../record/record.js';

/** How the pino logger that wrote a record was set up (pino sends it to its transports). */
export interface PinoFormat {
  messageKey: string;
  errorKey: string;
  /** Level number → label, for custom levels. */
  labels?: Readonly<Record<string, string>>;
}

export const DEFAULT_PINO_FORMAT: PinoFormat = { messageKey: 'msg', errorKey: 'err' };

/** Fields pino adds that actionlog records itself (`host`, `pid`, its own `timestamp`). */
const PINO_OWN = new Set(['time', 'pid', 'hostname', 'v']);

/**
 * A pino record as an actionlog call: level mapped (trace/debug → DEBUG … fatal → CRITICAL),
 * `msg` → message, `err` → error, `name` → logger; `action`, `service`, `status`, `duration_ms`,
 * `category` and the correlation ids stay record fields; everything else goes to `data`.
 */
export function fromPino(
  record: Record<string, unknown>,
  format: PinoFormat,
): { level: LevelName; message: string; fields: LogFields } {
  let level: LevelName = 'INFO';
  let message = '';
  const fields: LogFields = {};
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (key === 'level') level = pinoLevel(value, format.labels);
    else if (key === format.messageKey) message = typeof value === 'string' ? value : String(value);
    else if (key === format.errorKey) fields.error = value;
    else if (key === 'name' && typeof value === 'string') fields.logger = value;
    else if (!PINO_OWN.has(key)) fields[key] = value;
  }
  return { level, message, fields };
}

/** pino's level (a number, or a label when `formatters.level` says so) as an actionlog level. */
export function pinoLevel(value: unknown, labels?: Readonly<Record<string, string>>): LevelName {
  if (typeof value === 'string') return parseLevel(value) ?? 'INFO';
  if (typeof value !== 'number') return 'INFO';
  const label = labels?.[value];
  const named = label === undefined ? undefined : parseLevel(label);
  if (named !== undefined) return named;
  if (value < 30) return 'DEBUG';
  if (value < 40) return 'INFO';
  if (value < 50) return 'WARNING';
  if (value < 60) return 'ERROR';
  return 'CRITICAL';
}
