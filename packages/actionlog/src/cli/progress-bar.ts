import { humanBytes } from './human-bytes.js';

export interface ProgressBar {
  update(done: number, total: number): void;
  /** Clears the bar, leaving the terminal as it was. */
  finish(): void;
}

/** Runs shorter than this never show a bar. */
const SHOW_AFTER_MS = 400;
const REDRAW_MS = 100;
const WIDTH = 30;

/**
 * A one-line progress bar on stderr, for long runs only, and only when stderr is a terminal:
 * piped or redirected output stays clean.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return { update() {}, finish() {} };
  const started = Date.now();
  let drawn = 0;
  let visible = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - started < SHOW_AFTER_MS || now - drawn < REDRAW_MS || total <= 0) return;
      drawn = now;
      visible = true;
      const share = Math.min(1, done / total);
      const filled = Math.round(share * WIDTH);
      stream.write(
        `\r${label} [${'='.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${Math.floor(share * 100)}% ` +
          `${humanBytes(done)} of ${humanBytes(total)}\x1b[K`,
      );
    },
    finish() {
      if (visible) stream.write('\r\x1b[K');
      visible = false;
    },
  };
}
