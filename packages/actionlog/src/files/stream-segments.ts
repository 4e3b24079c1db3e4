import { statSync } from 'node:fs';
import { join } from 'node:path';
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

export { claimedByLiveWriter } from './segment-claim.js';
