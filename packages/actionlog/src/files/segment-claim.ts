import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DIR_MODE, FILE_MODE } from './modes.js';

/**
 * Segments are written at offsets a process hands out, so two processes must never write the
 * same segment (cluster workers, or an old and a new process overlapping in a rolling restart).
 * A process claims a segment with a lock file `{dir}/.writers/{segment}` holding its pid, made
 * with O_EXCL; a claim whose process is gone is taken over. A process that finds a segment
 * claimed moves on to the next index, so each writer gets a segment of its own.
 */
export function claimSegment(segmentPath: string): boolean {
  const lock = lockPath(segmentPath);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, 'wx', FILE_MODE);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        mkdirSync(dirname(lock), { recursive: true, mode: DIR_MODE });
        continue;
      }
      if (code !== 'EEXIST') return true; // cannot lock here (e.g. read-only): the open itself will report
      const owner = readOwner(lock);
      if (owner === process.pid) return true;
      if (owner !== undefined && isAlive(owner)) return false;
      try {
        unlinkSync(lock); // stale: its process is gone
      } catch {
        // Someone else took it over first; the next attempt sees their claim.
      }
    }
  }
  return false;
}

/** Whether a live process (possibly this one) holds the claim on a segment: it may still be appending to it. */
export function claimedByLiveWriter(segmentPath: string): boolean {
  const owner = readOwner(lockPath(segmentPath));
  return owner !== undefined && isAlive(owner);
}

export function releaseSegment(segmentPath: string): void {
  const lock = lockPath(segmentPath);
  if (readOwner(lock) !== process.pid) return;
  try {
    unlinkSync(lock);
  } catch {
    // Already gone (directory removed): nothing to release.
  }
}

function lockPath(segmentPath: string): string {
  return join(dirname(segmentPath), '.writers', basename(segmentPath));
}

function readOwner(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
