import { writeSync } from 'node:fs';

/** Writes to fd 2 synchronously, so alerts and fallback lines are out before an exit; never throws. */
export function writeStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr closed or full: nowhere left to report to.
  }
}
