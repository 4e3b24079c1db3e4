import type { Row } from 'actionlog';

const LEADING = ['timestamp', 'service', 'action', 'status'] as const;

/**
 * A record in the original action-logs shape: `timestamp, service, action, status` (null when
 * absent), `duration` in whole ms (null when absent), `error` the error's message as a string (or
 * null), then the record's other fields as stored. The full error object stays available as
 * `error_detail`, and `duration_ms` is left out (it is `duration`).
 */
export function toAction(record: Row): Record<string, unknown> {
  const entries: Array<[string, unknown]> = LEADING.map((key) => [key, record[key] ?? null]);
  const duration = record.duration_ms;
  entries.push(['duration', typeof duration === 'number' ? Math.round(duration) : null]);
  entries.push(['error', errorText(record.error)]);
  for (const key of Object.keys(record)) {
    if (key === 'duration_ms' || key === 'error' || (LEADING as readonly string[]).includes(key)) continue;
    entries.push([key, record[key]]);
  }
  if (record.error !== undefined && record.error !== null) entries.push(['error_detail', record.error]);
  // fromEntries: a "__proto__" field stays a field.
  return Object.fromEntries(entries);
}

function errorText(error: unknown): string | null {
  if (error === undefined || error === null) return null;
  if (typeof error === 'string') return error;
  if (typeof error === 'object') {
    const { message, type } = error as Record<string, unknown>;
    if (typeof message === 'string' && message !== '') return message;
    if (typeof type === 'string') return type;
  }
  return JSON.stringify(error);
}
