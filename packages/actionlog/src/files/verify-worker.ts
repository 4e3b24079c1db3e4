/**
 * Entry point of a verify worker thread (segment-pool.ts): checks the segments it is sent, one
 * at a time, and answers with each result.
 */
import { parentPort } from 'node:worker_threads';
import { type SegmentTask, walkSegment } from './walk-segment.js';

parentPort?.on('message', async (message: { index: number; task: SegmentTask }) => {
  try {
    const result = await walkSegment(message.task);
    parentPort?.postMessage({ index: message.index, result });
  } catch (error) {
    parentPort?.postMessage({ index: message.index, error: (error as Error).message });
  }
});
