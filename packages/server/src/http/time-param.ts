import type { TimeRange } from 'actionlog';
import { badParameter, shown } from './http-error.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };
const FORMS =
  'an ISO date or date-time (2026-11-23, 2026-11-23T10:00:00Z; UTC when no zone), now, or a time ago (15m, 24h, 7d)';

/** `from`/`to` query parameters as epoch ms: `from` inclusive, `to` exclusive. */
export function parseTimeRange(
  from: string | undefined,
  to: string | undefined,
  now = Date.now(),
): TimeRange {
  const range: TimeRange = {};
  if (from !== undefined && from !== '') range.from = parseTime('from', from, now);
  if (to !== undefined && to !== '') range.to = parseTime('to', to, now);
  if (range.from !== undefined && range.to !== undefined && range.from >= range.to) {
    throw badParameter(
      'to',
      `${new Date(range.to).toISOString()} is not after from (${new Date(range.from).toISOString()})`,
    );
  }
  return range;
}

function parseTime(name: string, text: string, now: number): number {
  const value = text.trim();
  if (value.toLowerCase() === 'now') return now;
  const ago = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(value);
  if (ago) {
    const ms = Number(ago[1]) * UNIT_MS[ago[2]];
    if (Number.isFinite(ms)) return now - ms;
  }
  let iso: string | undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) iso = `${value}T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value))
    iso = `${value.replace(' ', 'T')}Z`;
  else if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/.test(value))
    iso = value;
  const ms = iso === undefined ? Number.NaN : Date.parse(iso.replace(' ', 'T'));
  if (!Number.isFinite(ms)) throw badParameter(name, `got ${shown(text)}; expected ${FORMS}`);
  return ms;
}
