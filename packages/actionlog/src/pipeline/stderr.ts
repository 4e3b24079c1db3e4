import { writeSync, writevSync } from 'node:fs';
import { afterBytes } from './chunk-buffer.js';

/** Writes to fd 2 synchronously, so alerts and fallback lines are out before an exit; never throws. */
export function writeStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr closed or full: nowhere left to report to.
  }
}

/** Encoded lines to fd 2 (the fallback when a sink cannot write them); never throws. */
export function writeStderrBytes(chunks: Buffer[]): void {
  try {
    let pending = chunks;
    while (pending.length > 0) {
      pending = afterBytes(pending, writevSync(2, pending));
    }
  } catch {
    // stderr closed or full: nowhere left to report to.
  }
}
