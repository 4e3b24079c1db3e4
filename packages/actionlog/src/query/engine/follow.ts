import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listSegments } from '../../files/segments.js';
import type { SourceFile } from './sources.js';

export interface FollowOptions {
  /** The stream directory (the log directory, or a sub-stream of it). */
  dir: string;
  /**
   * Where to start: the segments and sizes already shown (e.g. by the query that printed the
   * last lines). Lines past these sizes, and every segment not in the list, are new.
   */
  start: readonly SourceFile[];
  /** How often to look for new lines. Default 200 ms. */
  intervalMs?: number;
  signal?: AbortSignal;
}

interface Tracked {
  key: string;
  day: string;
  index: number;
  path: string;
  ino: number;
  offset: number;
  /** Bytes after the last newline, waiting for the rest of their line. */
  partial: Buffer;
  /** Polls in a row without growth while a newer segment exists. */
  idle: number;
}

/**
 * New lines of a stream directory as they are written, across midnight (a new day's file) and
 * size rotation (`.1.jsonl`, `.2.jsonl`, …): every complete line once, in write order, none
 * skipped. Lines still being written are held until their newline arrives. A segment is let go
 * once a newer one exists and it has stopped growing (a batch still in flight to the old file
 * lands within milliseconds, long before that).
 */
export async function* followLines(options: FollowOptions): AsyncGenerator<string> {
  const interval = options.intervalMs ?? 200;
  const tracked = new Map<string, Tracked>();
  const known = new Set(options.start.map((file) => `${file.day}.${file.index}`));
  for (const file of options.start) {
    if (file.compressed) continue;
    const stat = statSync(file.path, { throwIfNoEntry: false });
    if (!stat) continue;
    const key = `${file.day}.${file.index}`;
    tracked.set(key, {
      key,
      day: file.day,
      index: file.index,
      path: file.path,
      ino: stat.ino,
      offset: file.size,
      partial: Buffer.alloc(0),
      idle: 0,
    });
  }
  // Only the newest segments matter: older ones are finished.
  for (const entry of [...tracked.values()].sort(compare).slice(0, -2)) tracked.delete(entry.key);

  while (!options.signal?.aborted) {
    for (const segment of listSegments(options.dir)) {
      if (segment.compressed) continue;
      const key = `${segment.day}.${segment.index}`;
      if (tracked.has(key) || known.has(key)) continue;
      known.add(key);
      const path = join(options.dir, segment.name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      tracked.set(key, {
        key,
        day: segment.day,
        index: segment.index,
        path,
        ino: stat.ino,
        offset: 0,
        partial: Buffer.alloc(0),
        idle: 0,
      });
    }
    const ordered = [...tracked.values()].sort(compare);
    for (let i = 0; i < ordered.length; i++) {
      const entry = ordered[i];
      const grew = readNew(entry);
      for (const line of grew) yield line;
      const newerExists = i < ordered.length - 1;
      entry.idle = newerExists && grew.length === 0 ? entry.idle + 1 : 0;
      if (entry.idle >= 3 || !statSync(entry.path, { throwIfNoEntry: false })) tracked.delete(entry.key);
    }
    try {
      await sleep(interval, undefined, { signal: options.signal });
    } catch {
      return;
    }
  }
}

function compare(a: { day: string; index: number }, b: { day: string; index: number }): number {
  return a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.index - b.index;
}

/** Complete lines appended since the last read (a replaced file is read from its start). */
function readNew(entry: Tracked): string[] {
  const stat = statSync(entry.path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.ino !== entry.ino || stat.size < entry.offset) {
    entry.ino = stat.ino;
    entry.offset = 0;
    entry.partial = Buffer.alloc(0);
  }
  if (stat.size === entry.offset) return [];
  const fd = openSync(entry.path, 'r');
  let data: Buffer;
  try {
    data = Buffer.allocUnsafe(stat.size - entry.offset);
    let read = 0;
    while (read < data.length) {
      const n = readSync(fd, data, read, data.length - read, entry.offset + read);
      if (n === 0) break;
      read += n;
    }
    data = data.subarray(0, read);
  } finally {
    closeSync(fd);
  }
  entry.offset += data.length;
  const all = entry.partial.length > 0 ? Buffer.concat([entry.partial, data]) : data;
  const lastNewline = all.lastIndexOf(10);
  if (lastNewline === -1) {
    entry.partial = Buffer.from(all);
    return [];
  }
  entry.partial = Buffer.from(all.subarray(lastNewline + 1));
  return all
    .toString('utf8', 0, lastNewline)
    .split('\n')
    .filter((line) => line.trim() !== '');
}
