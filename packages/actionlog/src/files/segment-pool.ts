import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type SegmentResult, type SegmentTask, walkSegment } from './walk-segment.js';

const WORKER_URL = new URL('./verify-worker.js', import.meta.url);

/**
 * Checks segments on worker threads, one per core, and hands the results back in task order.
 * Segments are independent once each knows its `prev` (from its chain record), so a stream
 * verifies as fast as the cores hash. Without the worker file (running from source or from a
 * bundle), the segments are checked one by one on this thread instead.
 */
export async function* walkSegments(
  tasks: readonly SegmentTask[],
  options: {
    parallel: boolean;
    /** A segment is done (in any order). */
    onDone?: (index: number) => void;
    /** Bytes read of the segment being checked, when checked on this thread. */
    onBytes?: (index: number, bytes: number) => void;
  },
): AsyncGenerator<SegmentResult> {
  const threads = Math.min(availableParallelism(), tasks.length);
  if (!options.parallel || threads < 2 || !existsSync(fileURLToPath(WORKER_URL))) {
    for (const [index, task] of tasks.entries()) {
      yield await walkSegment(task, (bytes) => options.onBytes?.(index, bytes));
      options.onDone?.(index);
    }
    return;
  }
  const settle: Array<{ resolve: (r: SegmentResult) => void; reject: (e: Error) => void }> = [];
  const results = tasks.map(
    (_, index) =>
      new Promise<SegmentResult>((resolve, reject) => {
        settle[index] = { resolve, reject };
      }),
  );
  // Never left unhandled when the caller stops early.
  for (const result of results) result.catch(() => {});
  let next = 0;
  const workers: Worker[] = [];
  const feed = (worker: Worker): void => {
    if (next < tasks.length) worker.postMessage({ index: next, task: tasks[next++] });
  };
  for (let i = 0; i < threads; i++) {
    const worker = new Worker(WORKER_URL);
    worker.on('message', (message: { index: number; result?: SegmentResult; error?: string }) => {
      if (message.result) settle[message.index].resolve(message.result);
      else settle[message.index].reject(new Error(message.error));
      options.onDone?.(message.index);
      feed(worker);
    });
    worker.on('error', (error) => {
      for (const pending of settle) pending.reject(error);
    });
    workers.push(worker);
    feed(worker);
  }
  try {
    for (const result of results) yield await result;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
