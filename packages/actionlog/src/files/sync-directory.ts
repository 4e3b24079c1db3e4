import { closeSync, fsyncSync, openSync } from 'node:fs';

/**
 * Makes a rename or unlink in `dir` durable. Best effort: some filesystems refuse to fsync a
 * directory, and there the rename is as durable as the platform makes it.
 */
export function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // EINVAL/EISDIR on platforms without directory fsync.
  } finally {
    closeSync(fd);
  }
}
