/** What the output may use: colours only on a TTY (and not with --no-color or NO_COLOR). */
export interface Terminal {
  color: boolean;
  /** Columns to fit tables in. */
  width: number;
  /** Progress goes to stderr only when it is a TTY. */
  progress: boolean;
}

export function terminal(options: { color?: boolean } = {}): Terminal {
  const tty = process.stdout.isTTY === true;
  const env = process.env;
  const color =
    options.color !== false &&
    env.NO_COLOR === undefined &&
    env.TERM !== 'dumb' &&
    (tty || (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0'));
  const fromEnv = Number(env.COLUMNS);
  const width = tty && process.stdout.columns ? process.stdout.columns : fromEnv > 20 ? fromEnv : 120;
  return { color, width, progress: process.stderr.isTTY === true };
}

/**
 * A one-line progress report on stderr (a TTY), shown only when a scan takes a while, and
 * erased when it ends so it never mixes with the results.
 */
export function progressReporter(enabled: boolean): {
  update: (done: number, total: number) => void;
  clear: () => void;
} {
  if (!enabled) return { update: () => {}, clear: () => {} };
  const started = Date.now();
  let shown = false;
  let last = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - started < 400 || now - last < 100) return;
      last = now;
      shown = true;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
      process.stderr.write(`\r\u001b[2Kscanning ${formatBytes(done)} of ${formatBytes(total)} (${percent}%)`);
    },
    clear() {
      if (shown) process.stderr.write('\r\u001b[2K');
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} KB`;
  return `${bytes} B`;
}
