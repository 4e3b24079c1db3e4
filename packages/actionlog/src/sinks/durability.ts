import { describeError } from '../pipeline/write-failures.js';

/**
 * - `buffered`: batched async writes (fast; a SIGKILL may lose the last batch).
 * - `sync`: the record is in the kernel before the call returns (survives SIGKILL).
 * - `fsync`: batched writes each followed by fdatasync, records arriving meanwhile share the next one (group commit).
 */
export type Durability = 'buffered' | 'sync' | 'fsync';
export const DURABILITIES = ['buffered', 'sync', 'fsync'] as const;

/** What a full buffer does: `block` writes synchronously (nothing lost), `drop` counts and reports. */
export type OverflowPolicy = 'block' | 'drop';
export const OVERFLOW_POLICIES = ['block', 'drop'] as const;

/**
 * What a synchronous write (an `audit()` record, or any record of a `sync` stream) does when the
 * file cannot be written (ENOSPC, EIO, EACCES, …), after auditd's `disk_full_action`:
 * - `buffer` (default): the call returns with the record held in memory; the sink retries with
 *   backoff and writes a recovery record when the disk is back.
 * - `block`: the call retries the write, sleeping between attempts, until the record is in the
 *   kernel or `blockTimeoutMs` passes; then it returns with the record held as with `buffer`.
 * - `fail`: the call throws a {@link NotDurableError} and the record is not kept.
 * Records written asynchronously (`buffered` and `fsync` streams) always follow `buffer`.
 */
export type WriteFailurePolicy = 'buffer' | 'block' | 'fail';
export const WRITE_FAILURE_POLICIES = ['buffer', 'block', 'fail'] as const;

/** How long a `block` call waits for the disk by default. */
export const DEFAULT_BLOCK_TIMEOUT_MS = 5000;

/**
 * Thrown by a log call whose record a stream with `onWriteFailure: 'fail'` could not write
 * synchronously. The record is in no file of that stream and is not held for a retry, so logging
 * it again does not write it twice there. Streams written before the refusing one keep their copy
 * (streams with `fail` are written first); streams after it do not get the record.
 * This is the only exception a logger throws into the application, and only when asked to.
 */
export class NotDurableError extends Error {
  override readonly name = 'NotDurableError';
  /** Always `ERR_ACTIONLOG_NOT_DURABLE`. */
  readonly code = 'ERR_ACTIONLOG_NOT_DURABLE';
  /** The stream that refused the record: `main`, `audit`, or a `streams[].name`. */
  readonly stream: string;
  /** The file (or, when none could be opened, the directory) that could not be written. */
  readonly path: string;
  /** The system error code of the failed write, e.g. `ENOSPC`, `EIO`, `EACCES` (undefined if none). */
  readonly errno: string | undefined;
  /** The record that was not written: one JSON object, without its newline (and without a chain hash). */
  readonly line: string;

  constructor(stream: string, path: string, line: string, cause: unknown) {
    super(
      `${stream}: the record was not written to ${path} (${describeError(cause)}) and was not kept ` +
        '(onWriteFailure: "fail")',
      { cause },
    );
    this.stream = stream;
    this.path = path;
    this.line = line.endsWith('\n') ? line.slice(0, -1) : line;
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    this.errno = typeof code === 'string' ? code : undefined;
  }
}
