import { unlink } from 'node:fs/promises';
import { markRemoved } from './chain-manifest.js';
import { compressSegment, recoverInterrupted } from './compress-segment.js';
import {
  planByAge,
  planBySize,
  protectedSegments,
  type RemovalReason,
  type RetentionPolicy,
} from './retention-policy.js';
import { listStreamSegments, type StreamSegment } from './stream-segments.js';
import { syncDirectory } from './sync-directory.js';

export interface RetentionStream {
  name: string;
  dir: string;
  retention: RetentionPolicy;
}

export type RetentionEvent =
  | { kind: 'compress'; stream: string; path: string; bytesBefore: number; bytesAfter?: number }
  | { kind: 'delete'; stream: string; path: string; bytes: number; reason: RemovalReason }
  | { kind: 'recover'; stream: string; path: string; detail: string }
  | { kind: 'error'; stream: string; path: string; message: string };

export interface RetentionRunOptions {
  /** Milliseconds since the epoch: decides each segment's age from the date in its name. */
  now: number;
  /** Report what would be done, change nothing. */
  dryRun?: boolean;
  /** Segments a writer in this process has open. */
  livePaths?: ReadonlySet<string>;
  compressionLevel?: number;
  onEvent?: (event: RetentionEvent) => void;
  /** Uncompressed bytes compressed so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
  /** The integrity key: deleting a segment of a keyed chain records the removal, which needs it. */
  integrityKey?: Buffer;
  /** Stops between steps (each step is whole: see compress-segment.ts). */
  signal?: AbortSignal;
}

export interface RetentionSummary {
  events: RetentionEvent[];
  /** Segments compressed (in a dry run: that would be). */
  compressed: number;
  /** Segments deleted (in a dry run: that would be). */
  deleted: number;
  /** Bytes deleted plus bytes saved by compression (a dry run counts deletions only). */
  bytesFreed: number;
  errors: number;
  segmentsKept: number;
  bytesKept: number;
}

const RECOVERED = {
  'removed-temp': 'removed the temp file of an interrupted compression',
  'removed-original': 'an interrupted compression had finished: removed the original beside its complete .gz',
} as const;

/**
 * Applies each stream's policy: finishes interrupted compressions, deletes by age, compresses,
 * then deletes oldest-first down to `maxTotalSize`. Every decision comes from a fresh directory
 * listing and the dates in the file names, so restarts, clock changes and files left by earlier
 * versions are handled alike. Never touches the newest segment of a stream or of today.
 */
export async function applyRetention(
  streams: readonly RetentionStream[],
  options: RetentionRunOptions,
): Promise<RetentionSummary> {
  const summary: RetentionSummary = {
    events: [],
    compressed: 0,
    deleted: 0,
    bytesFreed: 0,
    errors: 0,
    segmentsKept: 0,
    bytesKept: 0,
  };
  const emit = (event: RetentionEvent): void => {
    summary.events.push(event);
    if (event.kind === 'error') summary.errors++;
    options.onEvent?.(event);
  };
  const dryRun = options.dryRun ?? false;

  for (const stream of streams) {
    for (const action of await recoverInterrupted(stream.dir, dryRun)) {
      const { kind, path } = action;
      if (kind === 'kept-both')
        emit({ kind: 'error', stream: stream.name, path, message: action.detail ?? '' });
      else emit({ kind: 'recover', stream: stream.name, path, detail: RECOVERED[kind] });
    }
  }

  const plans = streams.map((stream) => {
    const segments = listStreamSegments(stream.dir);
    const keep = protectedSegments(segments, options.now, options.livePaths);
    return { stream, segments, plan: planByAge(segments, stream.retention, options.now, keep) };
  });
  const total = plans.reduce(
    (sum, p) => sum + p.plan.compress.reduce((s, segment) => s + segment.size, 0),
    0,
  );
  let done = 0;
  if (total > 0) options.onProgress?.(0, total);

  const stopped = (): boolean => options.signal?.aborted === true;
  for (const { stream, segments, plan } of plans) {
    if (stopped()) break;
    const gone = new Set<StreamSegment>();
    for (const { segment, reason } of plan.remove) {
      if (stopped()) return summary;
      if (await remove(stream, segment, reason, options, emit, summary)) gone.add(segment);
    }
    const sizes = new Map<StreamSegment, number>();
    for (const segment of plan.compress) {
      if (stopped()) return summary;
      if (dryRun) {
        summary.compressed++;
        emit({ kind: 'compress', stream: stream.name, path: segment.path, bytesBefore: segment.size });
      } else {
        const start = done;
        try {
          const result = await compressSegment(stream.dir, segment.name, {
            level: options.compressionLevel,
            onBytes: (bytes) => options.onProgress?.(start + bytes, total),
          });
          summary.compressed++;
          summary.bytesFreed += Math.max(0, result.bytesBefore - result.bytesAfter);
          sizes.set(segment, result.bytesAfter);
          emit({
            kind: 'compress',
            stream: stream.name,
            path: segment.path,
            bytesBefore: result.bytesBefore,
            bytesAfter: result.bytesAfter,
          });
        } catch (error) {
          emit({ kind: 'error', stream: stream.name, path: segment.path, message: (error as Error).message });
        }
        done = start + segment.size;
        options.onProgress?.(done, total);
      }
    }

    // The size cap counts what is left after compression, so it is read from the disk again
    // (a dry run estimates it from the sizes before compression).
    const remaining = dryRun ? segments.filter((s) => !gone.has(s)) : listStreamSegments(stream.dir);
    const keep = protectedSegments(remaining, options.now, options.livePaths);
    const overCap = new Set(planBySize(remaining, stream.retention.maxTotalSize, keep));
    for (const segment of overCap) {
      if (stopped()) return summary;
      await remove(stream, segment, 'size', options, emit, summary);
    }
    for (const segment of remaining) {
      if (overCap.has(segment)) continue;
      summary.segmentsKept++;
      summary.bytesKept += sizes.get(segment) ?? segment.size;
    }
  }
  return summary;
}

async function remove(
  stream: RetentionStream,
  segment: StreamSegment,
  reason: RemovalReason,
  options: RetentionRunOptions,
  emit: (event: RetentionEvent) => void,
  summary: RetentionSummary,
): Promise<boolean> {
  const dryRun = options.dryRun === true;
  const removed = { at: new Date(options.now).toISOString(), reason };
  let unmarked: string | undefined;
  try {
    // The tombstone first: a crash before the unlink leaves a segment the next run deletes.
    unmarked = markRemoved(stream.dir, segment.name, removed, options.integrityKey, !dryRun);
  } catch (error) {
    unmarked = `cannot record its removal (${(error as Error).message})`;
  }
  if (unmarked !== undefined) {
    emit({ kind: 'error', stream: stream.name, path: segment.path, message: `not deleted: ${unmarked}` });
    return false;
  }
  if (!dryRun) {
    try {
      await unlink(segment.path);
      syncDirectory(stream.dir);
    } catch (error) {
      // Another cleaner (a second process, `actionlog clean`) got there first.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      emit({ kind: 'error', stream: stream.name, path: segment.path, message: (error as Error).message });
      return false;
    }
  }
  summary.deleted++;
  summary.bytesFreed += segment.size;
  emit({ kind: 'delete', stream: stream.name, path: segment.path, bytes: segment.size, reason });
  return true;
}
