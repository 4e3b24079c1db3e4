import { join, resolve } from 'node:path';
import type { ActionlogConfig } from '../config/schema.js';
import { utcDay } from '../serialize/timestamp.js';
import { claimedByLiveWriter, type StreamSegment } from './stream-segments.js';

export interface RetentionPolicy {
  /** Gzip segments older than this many days; false: never. */
  compressAfterDays: number | false;
  /** Delete segments older than this many days; false: never. */
  retentionDays: number | false;
  /** Delete the oldest segments until the stream's segments total at most this many bytes; false: no cap. */
  maxTotalSize: number | false;
}

/** One stream directory as configured: where it is, whether it is chained, how long it is kept. */
export interface StreamPolicy {
  /** `main`, `audit`, or the stream's name. */
  name: string;
  dir: string;
  integrity: boolean;
  retention: RetentionPolicy;
}

/** The file streams a configuration writes (enabled ones only), each with its resolved policy. */
export function streamPolicies(config: ActionlogConfig): StreamPolicy[] {
  const dir = resolve(config.dir);
  const base: RetentionPolicy = {
    compressAfterDays: config.retention.compressAfterDays,
    retentionDays: config.retention.retentionDays,
    maxTotalSize: config.retention.maxTotalSize,
  };
  const streams: StreamPolicy[] = [];
  if (config.file.enabled)
    streams.push({ name: 'main', dir, integrity: config.file.integrity, retention: base });
  if (config.audit.enabled) {
    streams.push({
      name: 'audit',
      dir: join(dir, 'audit'),
      integrity: config.audit.integrity,
      retention: overlay(base, config.audit.retention),
    });
  }
  for (const stream of config.streams) {
    streams.push({
      name: stream.name,
      dir: join(dir, stream.name),
      integrity: stream.integrity,
      retention: overlay(base, stream.retention ?? {}),
    });
  }
  return streams;
}

function overlay(base: RetentionPolicy, override: Partial<RetentionPolicy>): RetentionPolicy {
  return {
    compressAfterDays: override.compressAfterDays ?? base.compressAfterDays,
    retentionDays: override.retentionDays ?? base.retentionDays,
    maxTotalSize: override.maxTotalSize ?? base.maxTotalSize,
  };
}

const DAY_MS = 86_400_000;

/**
 * Whole UTC days from the segment's day (from its file name, never its mtime) to today's: 0 for
 * today, negative for a day the clock has not reached (files from a clock that ran ahead).
 */
export function segmentAgeDays(day: string, now: number): number {
  return Math.round((Date.parse(utcDay(now)) - Date.parse(day)) / DAY_MS);
}

/**
 * Segments no policy may touch: the newest of the stream and the newest of today (a writer may be
 * appending to either), any a writer in this process has open, and any a live process has claimed.
 */
export function protectedSegments(
  segments: readonly StreamSegment[],
  now: number,
  livePaths: ReadonlySet<string> = new Set(),
): Set<StreamSegment> {
  const keep = new Set<StreamSegment>();
  const newest = segments.at(-1);
  if (newest) keep.add(newest);
  const today = utcDay(now);
  const newestToday = segments.filter((s) => s.day === today).at(-1);
  if (newestToday) keep.add(newestToday);
  for (const segment of segments) {
    if (livePaths.has(segment.path) || (!segment.compressed && claimedByLiveWriter(segment.path)))
      keep.add(segment);
  }
  return keep;
}

export type RemovalReason = 'age' | 'size';

export interface AgePlan {
  remove: Array<{ segment: StreamSegment; reason: RemovalReason }>;
  compress: StreamSegment[];
}

/** Deletions by age and compressions, decided from the names alone; deletion wins over compression. */
export function planByAge(
  segments: readonly StreamSegment[],
  policy: RetentionPolicy,
  now: number,
  keep: ReadonlySet<StreamSegment>,
): AgePlan {
  const plan: AgePlan = { remove: [], compress: [] };
  for (const segment of segments) {
    if (keep.has(segment)) continue;
    const age = segmentAgeDays(segment.day, now);
    if (policy.retentionDays !== false && age > policy.retentionDays) {
      plan.remove.push({ segment, reason: 'age' });
    } else if (!segment.compressed && policy.compressAfterDays !== false && age > policy.compressAfterDays) {
      plan.compress.push(segment);
    }
  }
  return plan;
}

/** Oldest-first deletions that bring the stream under `maxTotalSize` (protected segments stay, and count). */
export function planBySize(
  segments: readonly StreamSegment[],
  maxTotalSize: number | false,
  keep: ReadonlySet<StreamSegment>,
): StreamSegment[] {
  if (maxTotalSize === false) return [];
  let total = segments.reduce((sum, segment) => sum + segment.size, 0);
  const remove: StreamSegment[] = [];
  for (const segment of segments) {
    if (total <= maxTotalSize) break;
    if (keep.has(segment)) continue;
    remove.push(segment);
    total -= segment.size;
  }
  return remove;
}
