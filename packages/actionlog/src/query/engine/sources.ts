import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { type Member, readMemberIndex } from '../../files/gzip-members.js';
import { listSegments } from '../../files/segments.js';
import { ORDER_SLACK_MS } from './plan.js';
import type { Unit } from './unit-reader.js';

export interface SourceFile {
  path: string;
  day: string;
  index: number;
  compressed: boolean;
  size: number;
  /** The members of an actionlog `.jsonl.gz` (see gzip-members.ts); absent for other gzip files. */
  members?: Member[];
}

/**
 * The segments of a stream directory that can hold records of the time range, oldest first,
 * chosen by the day in their names (a day's file holds that day's records; a few minutes of
 * slack on each side cover clock steps). Where a segment exists both plain and gzipped (while
 * it is being compressed), the plain one is read.
 */
export function selectSources(dir: string, range: { from?: number; to?: number }): SourceFile[] {
  const firstDay = range.from === undefined ? undefined : utcDay(range.from - ORDER_SLACK_MS);
  const lastDay = range.to === undefined ? undefined : utcDay(range.to + ORDER_SLACK_MS);
  const byKey = new Map<string, SourceFile>();
  for (const segment of listSegments(dir)) {
    if (firstDay !== undefined && segment.day < firstDay) continue;
    if (lastDay !== undefined && segment.day > lastDay) continue;
    const key = `${segment.day}.${segment.index}`;
    const existing = byKey.get(key);
    if (existing && !existing.compressed) continue;
    const path = join(dir, segment.name);
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    if (size === undefined) continue;
    byKey.set(key, { path, day: segment.day, index: segment.index, compressed: segment.compressed, size });
  }
  for (const file of byKey.values())
    if (file.compressed) file.members = readMemberIndex(file.path, file.size);
  return [...byKey.values()].sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.index - b.index));
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const PROBE_BYTES = 64 << 10;
const TIMESTAMP_PREFIX = '{"timestamp":"';

/**
 * The byte range of a plain segment that can hold records of the time range (give or take the
 * order slack), found by binary search on the timestamps at the start of the lines (actionlog
 * writes them first). Falls back to the whole file when a probe finds no such timestamp.
 */
export function narrowByTime(file: SourceFile, range: { from?: number; to?: number }) {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const slackFrom = iso(range.from === undefined ? undefined : range.from - ORDER_SLACK_MS);
  const slackTo = iso(range.to === undefined ? undefined : range.to + ORDER_SLACK_MS);
  const whole = { start: 0, end: file.size };
  if (slackFrom === undefined && slackTo === undefined) return whole;
  if (file.members !== undefined) return narrowMembers(file, file.members, slackFrom, slackTo) ?? whole;
  if (file.compressed || file.size < 4 * PROBE_BYTES) return whole;
  const fd = openSync(file.path, 'r');
  try {
    const probe = Buffer.allocUnsafe(PROBE_BYTES);
    /** The timestamp of the first line starting at or after `offset`, or null past the end; undefined when unreadable. */
    const timestampAt = (offset: number): string | null | undefined => {
      const n = readSync(fd, probe, 0, PROBE_BYTES, offset);
      let at = 0;
      if (offset > 0) {
        const nl = probe.indexOf(10);
        if (nl === -1 || nl >= n) return n < PROBE_BYTES ? null : undefined;
        at = nl + 1;
      }
      if (at >= n) return null;
      if (n - at < 40) return undefined;
      const head = probe.toString('latin1', at, at + 39);
      if (!head.startsWith(TIMESTAMP_PREFIX) || head.charCodeAt(38) !== 34) return undefined;
      return head.slice(14, 38);
    };
    /** The smallest offset whose first line has a timestamp >= target (to within a probe). */
    const search = (target: string): number | undefined => {
      let lo = 0;
      let hi = file.size;
      while (hi - lo > PROBE_BYTES) {
        const mid = lo + Math.floor((hi - lo) / 2);
        const ts = timestampAt(mid);
        if (ts === undefined) return undefined;
        if (ts === null || ts >= target) hi = mid;
        else lo = mid;
      }
      return lo;
    };
    let start = 0;
    let end = file.size;
    if (slackFrom !== undefined) {
      const found = search(slackFrom);
      if (found === undefined) return whole;
      start = found;
    }
    if (slackTo !== undefined) {
      const found = search(slackTo);
      if (found === undefined) return whole;
      end = Math.min(file.size, found + PROBE_BYTES);
    }
    return { start, end: Math.max(start, end) };
  } finally {
    closeSync(fd);
  }
}

/** Compressed bytes of a member read to find its first line (a line of actionlog's is far shorter inflated). */
const MEMBER_PROBE_BYTES = 16 << 10;

/**
 * The members of an actionlog `.jsonl.gz` that can hold records of the range, as a byte range:
 * a binary search on the timestamp of each member's first line, which costs a few KB inflated
 * per probe instead of the day. Undefined (read it all) when a probe finds no timestamp.
 */
function narrowMembers(
  file: SourceFile,
  members: readonly Member[],
  slackFrom: string | undefined,
  slackTo: string | undefined,
): { start: number; end: number } | undefined {
  const fd = openSync(file.path, 'r');
  try {
    const probe = Buffer.allocUnsafe(MEMBER_PROBE_BYTES);
    const firsts = new Map<number, string | undefined>();
    /** The timestamp of member i's first line. */
    const first = (i: number): string | undefined => {
      if (firsts.has(i)) return firsts.get(i);
      let ts: string | undefined;
      const member = members[i];
      if (!member.continuesLine) {
        const n = readSync(fd, probe, 0, Math.min(MEMBER_PROBE_BYTES, member.length), member.offset);
        const head = memberPrefix(probe.subarray(0, n));
        if (head?.startsWith(TIMESTAMP_PREFIX) && head.charCodeAt(38) === 34) ts = head.slice(14, 38);
      }
      firsts.set(i, ts);
      return ts;
    };
    let lo = 0;
    let hi = members.length;
    if (slackFrom !== undefined) {
      // The last member starting at or before the range (its later lines may be in it).
      let a = 0;
      let b = members.length - 1;
      while (a < b) {
        const mid = Math.ceil((a + b) / 2);
        const ts = first(mid);
        if (ts === undefined) return undefined;
        if (ts <= slackFrom) a = mid;
        else b = mid - 1;
      }
      lo = a;
    }
    if (slackTo !== undefined) {
      // The first member starting after the range: it and the rest cannot hold it.
      let a = lo;
      let b = members.length;
      while (a < b) {
        const mid = Math.floor((a + b) / 2);
        const ts = first(mid);
        if (ts === undefined) return undefined;
        if (ts > slackTo) b = mid;
        else a = mid + 1;
      }
      hi = Math.max(lo + 1, a);
    }
    // A line cut across members is read whole: never start or stop inside one.
    while (lo > 0 && members[lo].continuesLine) lo--;
    while (hi < members.length && members[hi].continuesLine) hi++;
    return { start: members[lo].offset, end: members[hi - 1].offset + members[hi - 1].length };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The first 40 characters of a member's content, inflated from its first bytes; undefined if unreadable. */
function memberPrefix(bytes: Buffer): string | undefined {
  try {
    const text = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    return text.toString('latin1', 0, Math.min(text.length, 40));
  } catch {
    return undefined;
  }
}

const UNIT_BYTES = 16 << 20;
/** First units when a limit may end the scan early: small, so `limit 20` reads little. */
const RAMP = [256 << 10, 1 << 20, 4 << 20];

/** Splits the files into units in output order: newest first. */
export function planUnits(
  files: readonly SourceFile[],
  ranges: ReadonlyArray<{ start: number; end: number }>,
  ramp: boolean,
): Unit[] {
  const units: Unit[] = [];
  let step = 0;
  const nextSize = () => (ramp && step < RAMP.length ? RAMP[step++] : UNIT_BYTES);
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i];
    const base = { path: file.path, compressed: file.compressed, size: file.size };
    if (file.compressed && file.members === undefined) {
      // A gzip stream of unknown structure: one unit, read from the start.
      units.push({ ...base, id: units.length, order: units.length, start: 0, end: file.size });
      continue;
    }
    if (file.members !== undefined) {
      // Runs of whole members (those of the time range), the last first, each about one unit's
      // worth uncompressed.
      const range = ranges[i];
      const members = file.members.filter((m) => m.offset >= range.start && m.offset + m.length <= range.end);
      let last = members.length - 1;
      while (last >= 0) {
        const want = nextSize();
        let first = last;
        let raw = members[last].rawLength;
        while (first > 0 && (members[first].continuesLine || raw + members[first - 1].rawLength <= want))
          raw += members[--first].rawLength;
        const start = members[first].offset;
        const end = members[last].offset + members[last].length;
        units.push({ ...base, id: units.length, order: units.length, start, end, rawBytes: raw });
        last = first - 1;
      }
      continue;
    }
    const { start, end } = ranges[i];
    let to = end;
    while (to > start) {
      const from = Math.max(start, to - nextSize());
      units.push({ ...base, id: units.length, order: units.length, start: from, end: to });
      to = from;
    }
  }
  return units;
}
