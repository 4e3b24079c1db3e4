import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nextUtcMidnight } from '../serialize/timestamp.js';
import { applyRetention, type RetentionStream, type RetentionSummary } from './apply-retention.js';
import { planByAge, planBySize, protectedSegments } from './retention-policy.js';
import { listStreamSegments } from './stream-segments.js';

export interface RetentionScheduleOptions {
  streams: RetentionStream[];
  clock: () => number;
  /** Segments this process's sinks have open right now. */
  livePaths: () => string[];
  /** Deleting a segment of a keyed chain records the removal, which needs the key. */
  integrityKey?: Buffer;
  onSummary: (summary: RetentionSummary) => void;
  onError: (message: string) => void;
}

export interface RetentionSchedule {
  /** No further runs; a run under way is stopped (what it leaves is finished by the next run). */
  stop(): void;
}

/** Stream directories with a run under way in this process: two loggers on one directory run it once. */
const running = new Set<string>();

/** Runs a little after each UTC midnight, when yesterday's segments have just closed. */
const AFTER_MIDNIGHT_MS = 5 * 60_000;

const WORKER_URL = new URL('./retention-worker.js', import.meta.url);

/**
 * Applies the retention policy in the background: once right after start-up (never before the
 * first log call returns) and once a day after. The work runs in an unref'd worker thread, so the
 * application's thread never waits on compression and a short-lived process exits on time. When
 * the library runs from source or from a bundle (no worker file beside this one), the same work
 * runs asynchronously on the main thread instead.
 */
export function scheduleRetention(options: RetentionScheduleOptions): RetentionSchedule {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let worker: Worker | undefined;
  let abort: AbortController | undefined;

  const run = (): void => {
    if (stopped) return;
    armNextRun();
    const now = options.clock();
    const streams = options.streams.filter((stream) => !running.has(stream.dir) && hasWork(stream, now));
    if (streams.length === 0) return;
    for (const stream of streams) running.add(stream.dir);
    const release = (): void => {
      for (const stream of streams) running.delete(stream.dir);
    };
    const livePaths = options.livePaths();
    if (existsSync(fileURLToPath(WORKER_URL))) {
      const thread = new Worker(WORKER_URL, {
        workerData: { streams, now, livePaths, integrityKey: options.integrityKey },
      });
      worker = thread;
      thread.on('message', (message: { summary?: RetentionSummary; error?: string }) => {
        if (stopped) return;
        if (message.summary) options.onSummary(message.summary);
        else options.onError(message.error ?? 'unknown error');
      });
      thread.on('error', (error) => {
        if (!stopped) options.onError(error.message);
      });
      thread.on('exit', () => {
        if (worker === thread) worker = undefined;
        release();
      });
      // After the listeners: adding a 'message' listener refs the worker's port again.
      thread.unref();
    } else {
      const controller = new AbortController();
      abort = controller;
      applyRetention(streams, {
        now,
        livePaths: new Set(livePaths),
        integrityKey: options.integrityKey,
        signal: controller.signal,
      })
        .then(
          (summary) => {
            if (!stopped) options.onSummary(summary);
          },
          (error: Error) => {
            if (!stopped) options.onError(error.message);
          },
        )
        .finally(release);
    }
  };

  const armNextRun = (): void => {
    const now = options.clock();
    const delay = Math.min(86_400_000, Math.max(60_000, nextUtcMidnight(now) + AFTER_MIDNIGHT_MS - now));
    timer = setTimeout(run, delay);
    timer.unref();
  };

  const first = setImmediate(run);
  first.unref();
  return {
    stop() {
      stopped = true;
      clearImmediate(first);
      if (timer !== undefined) clearTimeout(timer);
      abort?.abort();
      void worker?.terminate();
    },
  };
}

/** Whether a run would do anything: checked on this thread from a listing, so idle start-ups start no worker. */
function hasWork(stream: RetentionStream, now: number): boolean {
  const segments = listStreamSegments(stream.dir);
  if (segments.length < 2) return false;
  const keep = protectedSegments(segments, now);
  const plan = planByAge(segments, stream.retention, now, keep);
  if (plan.remove.length > 0 || plan.compress.length > 0) return true;
  return planBySize(segments, stream.retention.maxTotalSize, keep).length > 0;
}

/** The record a logger writes about a background run that changed something; undefined when nothing did. */
export function describeRetention(
  summary: RetentionSummary,
): { message: string; data: Record<string, unknown> } | undefined {
  if (summary.compressed === 0 && summary.deleted === 0) return undefined;
  const deleted = summary.events.flatMap((e) => (e.kind === 'delete' ? [e.path] : []));
  return {
    message:
      `log retention: compressed ${summary.compressed} and deleted ${summary.deleted} segment(s), ` +
      `freed ${summary.bytesFreed} bytes`,
    data: {
      compressed: summary.compressed,
      deleted: summary.deleted,
      bytes_freed: summary.bytesFreed,
      deleted_files: deleted,
    },
  };
}
