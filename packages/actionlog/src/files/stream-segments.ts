import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { listSegments, type SegmentInfo } from './segments.js';

export interface StreamSegment extends SegmentInfo {
  path: string;
  /** Bytes on disk (compressed size for `.gz`). */
  size: number;
}

/**
 * The segments of a stream directory in write order, one per segment: when a compression was
 * interrupted between its rename and the removal of the original, both forms exist and the
 * original is the one that counts. Listed fresh from the directory every time.
 */
export function listStreamSegments(dir: string): StreamSegment[] {
  const out: StreamSegment[] = [];
  for (const segment of listSegments(dir)) {
    const previous = out[out.length - 1];
    if (previous && previous.day === segment.day && previous.index === segment.index) continue;
    const path = join(dir, segment.name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile()) out.push({ ...segment, path, size: stat.size });
  }
  return out;
}

/**
 * Whether a live process holds the writer's claim on a segment (segment-claim.ts: the pid in
 * `{dir}/.writers/{segment}`): another process may be appending to it even if it is not the newest.
 */
export function claimedByLiveWriter(segmentPath: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dirname(segmentPath), '.writers', basename(segmentPath)), 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
