import { CORRELATION_FIELDS, LEVEL_NAMES, parseLevel } from 'actionlog';

/**
 * The §2 fields in the order records are written. A record from another language may send them
 * in any order; it is stored in this one, like the library writes it.
 */
export const FIELD_ORDER = [
  'timestamp',
  'seq',
  'level',
  'category',
  'logger',
  'message',
  'action',
  'service',
  'status',
  'duration_ms',
  ...CORRELATION_FIELDS,
  'error',
  'data',
  'host',
  'pid',
  'app',
  'hash',
] as const;
const KNOWN = new Set<string>(FIELD_ORDER);

/** Names and ids: indexed, so bounded. Message and error text are bounded by the body limit only. */
const SHORT_STRINGS = new Set<string>([
  'category',
  'logger',
  'action',
  'service',
  'status',
  ...CORRELATION_FIELDS,
  'host',
  'app',
  'hash',
]);
export const MAX_NAME_LENGTH = 1024;
/** Deeper values are refused: nothing real nests this far, and every later walk stays shallow. */
export const MAX_DEPTH = 64;

const ISO_TIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)([Zz]|[+-]\d{2}:?\d{2})?$/;
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export type Validated = { record: Record<string, unknown> } | { detail: string };

/**
 * Checks one incoming record against DESIGN.md §2 and brings it to the stored form:
 * `timestamp` in ISO UTC with milliseconds (ISO text with any offset, or epoch milliseconds;
 * now when absent), `level` canonical (`warn` → `WARNING`; `INFO` when absent), an `error` string
 * made `{type: "Error", message}`, and fields §2 does not know moved into `data` (as the library
 * does with extra fields). A field of the wrong type refuses the record with a detail naming it.
 */
export function validateRecord(value: unknown, now: number): Validated {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { detail: `expected a record (a JSON object), got ${describe(value)}` };
  }
  if (depthOf(value) > MAX_DEPTH) return { detail: `nested deeper than ${MAX_DEPTH} levels` };
  const input = value as Record<string, unknown>;
  const known = new Map<string, unknown>();
  const extra: Array<[string, unknown]> = [];
  for (const key of Object.keys(input)) {
    if (KNOWN.has(key)) known.set(key, input[key]);
    else extra.push([key, input[key]]);
  }

  const timestamp = normalizeTimestamp(known.get('timestamp'), now);
  if (typeof timestamp !== 'string') return timestamp;
  known.set('timestamp', timestamp);

  const level = known.get('level');
  if (level === undefined || level === null) known.set('level', 'INFO');
  else {
    const canonical = typeof level === 'string' ? parseLevel(level) : undefined;
    if (!canonical) {
      return {
        detail: `level: got ${describe(level)}; expected one of ${LEVEL_NAMES.join(', ')} (any case; warn, fatal also)`,
      };
    }
    known.set('level', canonical);
  }

  for (const [key, v] of known) {
    if (v === null) {
      known.delete(key);
      continue;
    }
    const problem = fieldProblem(key, v);
    if (problem) return { detail: `${key}: ${problem}` };
  }

  const error = known.get('error');
  if (typeof error === 'string') known.set('error', { type: 'Error', message: error });

  if (extra.length > 0) {
    const data = known.get('data') as Record<string, unknown> | undefined;
    // Entries, not assignment: a "__proto__" key stays a plain field and never becomes a prototype.
    known.set('data', Object.fromEntries([...extra, ...Object.entries(data ?? {})]));
  }
  const ordered: Array<[string, unknown]> = [];
  for (const key of FIELD_ORDER) if (known.has(key)) ordered.push([key, known.get(key)]);
  return { record: Object.fromEntries(ordered) };
}

function fieldProblem(key: string, value: unknown): string | undefined {
  switch (key) {
    case 'seq':
    case 'pid':
      return Number.isSafeInteger(value) && (value as number) >= 0
        ? undefined
        : `got ${describe(value)}; expected a whole number ≥ 0`;
    case 'duration_ms':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0
        ? undefined
        : `got ${describe(value)}; expected a number of milliseconds ≥ 0`;
    case 'data':
      return isPlainObject(value) ? undefined : `got ${describe(value)}; expected an object`;
    case 'error': {
      if (typeof value === 'string') return undefined;
      if (!isPlainObject(value))
        return `got ${describe(value)}; expected an object {type, message, …} or a string`;
      const { type, message } = value as Record<string, unknown>;
      if (type !== undefined && typeof type !== 'string')
        return `type: got ${describe(type)}; expected a string`;
      if (message !== undefined && typeof message !== 'string')
        return `message: got ${describe(message)}; expected a string`;
      return undefined;
    }
    case 'timestamp':
    case 'level':
      return undefined;
    default:
      if (typeof value !== 'string') return `got ${describe(value)}; expected a string`;
      if (SHORT_STRINGS.has(key) && value.length > MAX_NAME_LENGTH)
        return `${value.length} characters; at most ${MAX_NAME_LENGTH} allowed`;
      return undefined;
  }
}

function normalizeTimestamp(value: unknown, now: number): string | { detail: string } {
  if (value === undefined || value === null) return new Date(now).toISOString();
  let ms = Number.NaN;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const match = ISO_TIME.exec(value.trim());
    if (match) {
      const zone =
        match[3] === undefined ? 'Z' : match[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2').toUpperCase();
      ms = Date.parse(`${match[1]}T${match[2]}${zone}`);
    }
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIME) {
    return {
      detail: `timestamp: got ${describe(value)}; expected an ISO 8601 date-time (2026-11-23T10:30:45.123Z) or epoch milliseconds`,
    };
  }
  return new Date(ms).toISOString();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The depth of nested objects and arrays, without recursion (a hostile body may nest 100,000 deep). */
function depthOf(root: object): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > max) {
      max = depth;
      if (max > MAX_DEPTH) return max;
    }
    if (value === null || typeof value !== 'object') continue;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return max;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
