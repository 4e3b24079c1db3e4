import { parseDuration } from '../query/duration.js';

/** A bad flag value: the message names the flag, what was given and what is allowed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface TimeRangeFlags {
  since?: string;
  from?: string;
  to?: string;
  date?: string;
  dateRange?: string;
}

const DAY_MS = 86_400_000;
const TIME_HELP =
  'an ISO date or time (2026-11-23, 2026-11-23T10:00:00Z), now, today, yesterday, or a duration ago (15m, 2h, 7d)';

/**
 * The time range from `--since 1h`, `--from A --to B`, `--date D` or `--date-range A:B`
 * (inclusive days, UTC). Undefined bounds are open. Throws UsageError naming the flag.
 */
export function parseTimeRange(
  flags: TimeRangeFlags,
  now: number = Date.now(),
): { from?: number; to?: number } {
  const given = (['since', 'from', 'date', 'dateRange'] as const).filter((k) => flags[k] !== undefined);
  if (given.length > 1 && !(given.length === 2 && given.includes('since') && flags.to !== undefined)) {
    const names = given.map((k) => (k === 'dateRange' ? '--date-range' : `--${k}`));
    throw new UsageError(
      `${names.join(' and ')} both set a time range: use one (--to may go with --from or --since)`,
    );
  }
  if (flags.date !== undefined) {
    const day = parseDay(flags.date, '--date', now);
    return { from: day, to: day + DAY_MS };
  }
  if (flags.dateRange !== undefined) {
    const parts = flags.dateRange.split(/:|\.\./);
    if (parts.length !== 2) {
      throw new UsageError(
        `--date-range: got "${flags.dateRange}"; expected FIRST:LAST days, e.g. 2026-11-01:2026-11-07`,
      );
    }
    const first = parseDay(parts[0], '--date-range', now);
    const last = parseDay(parts[1], '--date-range', now);
    if (last < first) throw new UsageError(`--date-range: ${parts[1]} is before ${parts[0]}`);
    return { from: first, to: last + DAY_MS };
  }
  let from: number | undefined;
  if (flags.since !== undefined) {
    const ms = parseDuration(flags.since);
    if (ms === undefined)
      throw new UsageError(`--since: got "${flags.since}"; expected a duration such as 30s, 15m, 1h, 7d`);
    from = now - ms;
  } else if (flags.from !== undefined) {
    from = parseTime(flags.from, '--from', now);
  }
  const to = flags.to === undefined ? undefined : parseTime(flags.to, '--to', now);
  if (from !== undefined && to !== undefined && from >= to) {
    throw new UsageError(
      `--to (${new Date(to).toISOString()}) must be after the start (${new Date(from).toISOString()})`,
    );
  }
  return { from, to };
}

/** A point in time: ISO date/time (dates are UTC midnight), now, today, yesterday, or `2h` = 2 hours ago. */
export function parseTime(text: string, flag: string, now: number = Date.now()): number {
  const value = text.trim().toLowerCase();
  if (value === 'now') return now;
  if (value === 'today') return startOfDay(now);
  if (value === 'yesterday') return startOfDay(now) - DAY_MS;
  const ago = parseDuration(value);
  if (ago !== undefined) return now - ago;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return parseDay(value, flag, now);
  // A time without zone is UTC, like everything actionlog writes.
  const iso = /^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)
    ? `${text.trim().replace(' ', 'T')}Z`
    : text.trim();
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new UsageError(`${flag}: got "${text}"; expected ${TIME_HELP}`);
  }
  return ms;
}

function parseDay(text: string, flag: string, now: number): number {
  const value = text.trim().toLowerCase();
  if (value === 'today') return startOfDay(now);
  if (value === 'yesterday') return startOfDay(now) - DAY_MS;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`${flag}: got "${text}"; expected a day as YYYY-MM-DD, today or yesterday`);
  return ms;
}

export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** `2026-11-23` of a time (UTC). */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
