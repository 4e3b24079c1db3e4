/**
 * Entry point of the retention worker thread (retention-scheduler.ts): applies the policy off the
 * application's thread. The worker is unref'd, so it never keeps a finished application alive;
 * being stopped half-way is safe because every step it takes is (compress-segment.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { applyRetention, type RetentionStream } from './apply-retention.js';

interface RetentionJob {
  streams: RetentionStream[];
  now: number;
  livePaths: string[];
  /** A Buffer arrives as a plain Uint8Array. */
  integrityKey?: Uint8Array;
}

const job = workerData as RetentionJob;
try {
  const summary = await applyRetention(job.streams, {
    now: job.now,
    livePaths: new Set(job.livePaths),
    integrityKey: job.integrityKey ? Buffer.from(job.integrityKey) : undefined,
  });
  parentPort?.postMessage({ summary });
} catch (error) {
  parentPort?.postMessage({ error: (error as Error).message });
}
