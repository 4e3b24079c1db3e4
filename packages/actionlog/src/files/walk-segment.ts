import { type ChainAlgorithm, linkHasher } from './chain-hash.js';
import { ChainWalker, type WalkFailure } from './chain-walker.js';
import { segmentChunks } from './segment-reader.js';

/** One segment to check: everything a worker thread needs, structured-clone friendly. */
export interface SegmentTask {
  path: string;
  compressed: boolean;
  alg: ChainAlgorithm;
  key?: Uint8Array;
  /** The `prev` of the first chained record; undefined: accept it as a chain start. */
  prev?: string;
  /** Byte offset of the first chained record. */
  start: number;
  checkpoint?: { records: number; last: string };
}

export interface SegmentResult {
  /** Chained records checked. */
  records: number;
  /** Lines seen (all of them when intact; up to the failing one otherwise). */
  lines: number;
  torn: number;
  tornAtEnd: boolean;
  /** Hash of the last chained record; the task's `prev` when there were none. */
  lastHash: string | undefined;
  failure?: WalkFailure;
  /** The `prev` the failing line should have linked to. */
  prevAtFailure?: string;
}

/** Checks one segment's links from `task.prev` on (chain-walker.ts). */
export async function walkSegment(
  task: SegmentTask,
  onBytes?: (bytes: number) => void,
): Promise<SegmentResult> {
  const key = task.alg === 'hmac-sha256' && task.key ? Buffer.from(task.key) : undefined;
  const walker = new ChainWalker(linkHasher(key));
  walker.startSegment(linkHasher(key), task.start, task.checkpoint);
  walker.prev = task.prev;
  let bytes = 0;
  for await (const chunk of segmentChunks(task.path, task.compressed)) {
    const ok = walker.feed(chunk);
    bytes += chunk.length;
    if (!task.compressed) onBytes?.(bytes);
    if (!ok) break;
  }
  walker.endSegment();
  const result: SegmentResult = {
    records: walker.records,
    lines: walker.line,
    torn: walker.torn,
    tornAtEnd: walker.tornAtEnd,
    lastHash: walker.failure ? undefined : walker.prev,
  };
  if (walker.failure) {
    result.failure = walker.failure;
    result.prevAtFailure = walker.prev;
  }
  return result;
}
