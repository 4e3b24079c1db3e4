import { fdatasync, ftruncateSync, writeSync, writev } from 'node:fs';
import { SegmentFile } from '../files/segment-file.js';
import { afterBytes, type Batch, batchRecords, ChunkBuffer } from '../pipeline/chunk-buffer.js';
import { writeStderr, writeStderrBytes } from '../pipeline/stderr.js';
import { WriteFailures } from '../pipeline/write-failures.js';
import type { LevelName } from '../record/levels.js';
import { nextUtcMidnight, utcDay } from '../serialize/timestamp.js';
import {
  DEFAULT_BLOCK_TIMEOUT_MS,
  type Durability,
  NotDurableError,
  type OverflowPolicy,
  type WriteFailurePolicy,
} from './durability.js';
import type { LineTransform } from './line-transform.js';
import type { Sink, SinkFilter, SinkHealth } from './sink.js';

/** Formats a record the sink writes about itself (recovery, dropped counts). */
export type SystemLineFormatter = (
  level: LevelName,
  message: string,
  data: Record<string, unknown>,
) => string;

export interface FileSinkOptions {
  name: string;
  /** The stream's directory: `{dir}` for the main stream, `{dir}/audit` for the audit stream. */
  dir: string;
  filter: SinkFilter;
  durability: Durability;
  maxFileSize: number;
  maxBufferBytes: number;
  batchBytes: number;
  flushIntervalMs: number;
  overflow: OverflowPolicy;
  clock: () => number;
  systemLine: SystemLineFormatter;
  /** E.g. the integrity chain; applied to every line this sink writes. */
  transform?: LineTransform;
  /** What a synchronous write does when the file cannot be written (default `buffer`; see durability.ts). */
  onWriteFailure?: WriteFailurePolicy;
  /** How long a `block` write waits for the disk before it returns with the record held. */
  blockTimeoutMs?: number;
}

interface InFlightBatch {
  file: SegmentFile;
  position: number;
  batch: Batch;
  /** Set when a synchronous drain wrote these bytes again; the async result no longer matters. */
  superseded: boolean;
}

/** A batch whose chunks are private copies, so the original can still be read by the thread pool. */
function copyBatch(batch: Batch): Batch {
  return {
    chunks: batch.chunks.map((chunk) => Buffer.from(chunk)),
    records: batch.records.slice(),
    bytes: batch.bytes,
  };
}

/** How often (at most) a sink checks that its file still exists at its path. */
const GONE_CHECK_INTERVAL_MS = 100;

/** A `block` write sleeps this long before its first retry, doubling up to the maximum. */
const BLOCK_FIRST_PAUSE_MS = 10;
const BLOCK_MAX_PAUSE_MS = 200;
/** At most one "returned with the record held" alert per sink this often. */
const BLOCK_ALERT_INTERVAL_MS = 60_000;

let sleepCell: Int32Array | undefined;
/** Sleeps the calling thread (the API is synchronous: a `block` write cannot yield). */
function sleepSync(ms: number): void {
  sleepCell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * JSONL files `{dir}/{YYYY-MM-DD}[.N].jsonl`: a new file each UTC day and each `maxFileSize`.
 * Lines collect in a bounded buffer and go out in batches on the thread pool; one batch is in
 * flight at a time. Write failures keep the lines, retry with backoff and spill the oldest to
 * stderr past the bound, so nothing is lost and the application never sees an exception.
 */
export class FileSink implements Sink {
  readonly name: string;
  readonly filter: SinkFilter;
  readonly wantsView = false;
  private options: FileSinkOptions;
  private file: SegmentFile | null = null;
  private day = '';
  private dayEnd = Number.NEGATIVE_INFINITY;
  /** Index to open next when a segment filled up. */
  private nextIndex = 0;
  private readonly buffer: ChunkBuffer;
  private inflight: InFlightBatch | null = null;
  private batchTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly failures = new WriteFailures();
  private flushWaiters: Array<() => void> = [];
  private written = 0;
  private dropped = 0;
  private droppedUnreported = 0;
  private fallbackRecords = 0;
  private lastGoneCheck = Number.NEGATIVE_INFINITY;
  /** Bytes known to be in the file at its path at the last check. */
  private verifiedSize = 0;
  private closed = false;
  /** Successful synchronous drains: a `block` write is done once this moves past where it started. */
  private landings = 0;
  /** The error of the last failed attempt (the `cause` of a NotDurableError). */
  private lastFailure: unknown;
  /** Synchronous records refused (`fail`) and `block` writes that timed out, for the recovery record. */
  private refused = 0;
  private blockTimeouts = 0;
  private blockTimeoutsUnreported = 0;
  private lastBlockAlertAt = Number.NEGATIVE_INFINITY;

  constructor(options: FileSinkOptions) {
    this.options = options;
    this.buffer = new ChunkBuffer(options.batchBytes);
    this.name = options.name;
    this.filter = options.filter;
  }

  get dir(): string {
    return this.options.dir;
  }

  get onWriteFailure(): WriteFailurePolicy {
    return this.options.onWriteFailure ?? 'buffer';
  }

  /**
   * A second logger sharing this directory asked for more durability: give it to all rather
   * than silently weaken the promise (`sync` keeps every record in the kernel before the call
   * returns; `fsync` adds group-committed fdatasync).
   */
  strengthen(durability: Durability): void {
    const rank: Record<Durability, number> = { buffered: 0, fsync: 1, sync: 2 };
    if (rank[durability] > rank[this.options.durability]) this.options = { ...this.options, durability };
  }

  write(line: string, timeMs: number, sync: boolean): void {
    if (this.closed) {
      writeStderr(line);
      this.fallbackRecords++;
      return;
    }
    this.rollIfNeeded(timeMs, line.length);
    const opts = this.options;
    const direct = sync || opts.durability === 'sync';
    if (direct && opts.onWriteFailure === 'fail') {
      this.writeOrRefuse(line, timeMs);
      return;
    }
    if (this.buffer.size + this.inflightSize() + line.length > opts.maxBufferBytes) {
      if (this.failures.failing) this.spillOldest(line.length);
      else if (opts.overflow === 'block' || sync) this.drainSync(false);
      else {
        this.dropped++;
        this.droppedUnreported++;
        return;
      }
    }
    if (direct) {
      const landed = this.landings;
      // Nothing waiting and nothing failing: the line goes straight to the kernel.
      if (this.buffer.records === 0 && this.inflight === null && !this.failures.failing) {
        if (this.writeNow(this.transformed(line), timeMs)) return;
      } else {
        this.push(line);
        this.drainSync(false);
        if (this.landings !== landed) return;
      }
      // Not written: the line is held. `block` waits here for the disk, within its bound.
      if (opts.onWriteFailure === 'block') this.blockUntilWritten(landed);
      return;
    }
    this.push(line);
    if (this.inflight === null && !this.failures.failing) {
      if (this.buffer.size >= opts.batchBytes) this.startWrite();
      else if (this.batchTimer === null) this.armBatchTimer();
    } else if (this.retryTimer === null && this.inflight === null) {
      // Failing with no retry due: a refusal (`fail`) held nothing, so nothing was left to retry.
      this.startWrite();
    }
  }

  /** Done with a segment: its lines are written; the descriptor closes once async writes settle. */
  private closeSegment(file: SegmentFile): void {
    this.options.transform?.segmentClosed?.(file.path);
    file.close();
  }

  /** Every line enters the buffer here, so a transform sees each one exactly once, in order. */
  private push(line: string): void {
    this.buffer.push(this.transformed(line));
  }

  private transformed(line: string): string {
    const transform = this.options.transform;
    return transform === undefined ? line : transform.apply(line);
  }

  /**
   * One line, synchronously, with no batch around it: the `sync` durability fast path. A line
   * that cannot be written joins the buffer (already transformed) and the usual failure handling.
   * Returns whether the line was written.
   */
  private writeNow(text: string, timeMs: number): boolean {
    let file: SegmentFile;
    try {
      file = this.currentFile(timeMs);
    } catch (error) {
      this.buffer.push(text);
      this.onFailure(error, false);
      return false;
    }
    const position = file.size;
    try {
      writeLineAt(file, text, position);
      this.written++;
      return true;
    } catch (error) {
      file.size = position;
      this.buffer.push(text);
      this.onFailure(error, false);
      return false;
    }
  }

  /**
   * `block`: the line is held after a failed write. Retries the held lines (this one among them,
   * in order) with short sleeps between attempts until they are written or `blockTimeoutMs`
   * passes; then the line stays held, as with `buffer`, and stderr says so.
   */
  private blockUntilWritten(landed: number): void {
    const timeoutMs = this.options.blockTimeoutMs ?? DEFAULT_BLOCK_TIMEOUT_MS;
    const start = performance.now();
    let pause = BLOCK_FIRST_PAUSE_MS;
    for (;;) {
      const left = timeoutMs - (performance.now() - start);
      if (left <= 0) break;
      sleepSync(Math.min(pause, left));
      pause = Math.min(pause * 2, BLOCK_MAX_PAUSE_MS);
      this.drainSync(false);
      if (this.landings !== landed) return;
    }
    this.blockTimeouts++;
    this.blockTimeoutsUnreported++;
    const now = performance.now();
    if (now - this.lastBlockAlertAt < BLOCK_ALERT_INTERVAL_MS) return;
    this.lastBlockAlertAt = now;
    const count = this.blockTimeoutsUnreported;
    this.blockTimeoutsUnreported = 0;
    writeStderr(
      `[actionlog] ${this.name}: ${count === 1 ? 'a synchronous record was' : `${count} synchronous records were`} ` +
        `not written within blockTimeoutMs=${timeoutMs} (${this.failures.lastError}); ` +
        `the call returned with it held in memory (${this.buffer.records} records held), retrying with backoff\n`,
    );
  }

  /**
   * `fail`: writes the line now, after any held lines, or throws a NotDurableError and keeps
   * nothing of it (a chain takes its link back, bytes of a short write are cut off).
   */
  private writeOrRefuse(line: string, timeMs: number): void {
    // A record never overtakes held ones: they go first, and if they cannot, neither can it.
    if (!this.isIdle()) this.drainSync(false);
    let error: unknown = this.lastFailure;
    let file: SegmentFile | undefined;
    if (this.isIdle()) {
      try {
        file = this.currentFile(timeMs);
      } catch (openError) {
        error = openError;
      }
    }
    if (file !== undefined) {
      const text = this.transformed(line);
      const position = file.size;
      try {
        writeLineAt(file, text, position);
        this.written++;
        if (this.failures.failing) {
          // The disk is back (the failure was a refusal, nothing is held): report it now.
          this.afterSuccess();
          if (!this.isIdle()) this.drainSync(false);
        }
        return;
      } catch (writeError) {
        error = writeError;
        file.size = position;
        this.discardFrom(file, position);
        this.revertTransform();
      }
    }
    this.refused++;
    this.onFailure(error, false, true);
    throw new NotDurableError(this.name, file?.path ?? this.file?.path ?? this.options.dir, line, error);
  }

  /** Cuts off what a failed write left past `position`, so a refused record leaves no partial line. */
  private discardFrom(file: SegmentFile, position: number): void {
    try {
      ftruncateSync(file.fd, position);
    } catch {
      // The next write goes to `position` and covers it; only an exit before then leaves a torn tail.
    }
  }

  private revertTransform(): void {
    this.options.transform?.revert();
  }

  flush(): Promise<void> {
    if (this.isIdle() || this.failures.failing) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push(resolve);
      if (this.inflight === null) this.startWrite();
    });
  }

  /**
   * Writes everything now. `final` (exit, close) means there is no later: what cannot be written
   * goes to stderr instead of waiting for a retry.
   */
  flushSync(final = false): void {
    // An explicit flush checks the file is still there, however recently it was checked.
    this.lastGoneCheck = Number.NEGATIVE_INFINITY;
    this.drainSync(final);
    // The process may end right after a final flush: let a chain record its checkpoint now.
    if (final && this.file !== null) this.options.transform?.segmentClosed?.(this.file.path);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.lastGoneCheck = Number.NEGATIVE_INFINITY;
    this.drainSync(true);
    this.closed = true;
    this.clearTimers();
    if (this.file !== null) this.closeSegment(this.file);
    this.file = null;
    this.resolveWaiters();
  }

  health(): SinkHealth {
    const bufferedRecords = this.buffer.records + (this.inflight ? batchRecords(this.inflight.batch) : 0);
    return {
      name: this.name,
      target: this.file?.path ?? this.options.dir,
      healthy: this.failures.healthy,
      bufferedRecords,
      bufferedBytes: this.buffer.size + this.inflightSize(),
      written: this.written,
      dropped: this.dropped,
      writeErrors: this.failures.total,
      consecutiveFailures: this.failures.consecutive,
      lastError: this.failures.lastError,
      fallbackRecords: this.fallbackRecords,
      // While failing, a retry in flight still holds its records: they are not written yet.
      heldRecords: this.failures.failing ? bufferedRecords : 0,
    };
  }

  private isIdle(): boolean {
    return this.buffer.records === 0 && this.inflight === null;
  }

  private inflightSize(): number {
    return this.inflight === null ? 0 : this.inflight.batch.bytes;
  }

  /** A new file at UTC midnight and when the current one would pass maxFileSize. */
  private rollIfNeeded(timeMs: number, incoming: number): void {
    if (timeMs >= this.dayEnd) {
      // Lines still buffered belong to the day they were logged on.
      if (this.file !== null || !this.isIdle()) {
        this.drainSync(false);
        if (this.file !== null) this.closeSegment(this.file);
        this.file = null;
      }
      this.day = utcDay(timeMs);
      this.dayEnd = nextUtcMidnight(timeMs);
      this.nextIndex = 0;
    }
    // Opened on the first write so the size of a segment continued after a restart is known.
    if (this.file === null && !this.failures.failing) {
      try {
        this.currentFile(timeMs);
      } catch (error) {
        this.onFailure(error, false);
        return;
      }
    }
    const file = this.file;
    if (file === null) return;
    const used = file.size + this.buffer.size;
    if (used > 0 && used + incoming > this.options.maxFileSize) {
      this.drainSync(false);
      if (this.file === file) {
        this.nextIndex = file.index + 1;
        this.closeSegment(file);
        this.file = null;
        try {
          this.currentFile(timeMs);
        } catch (error) {
          this.onFailure(error, false);
        }
      }
    }
  }

  /** The segment to write to, opened on first use; throws when it cannot be opened. */
  private currentFile(now: number): SegmentFile {
    if (this.file === null) {
      if (this.day === '') {
        this.day = utcDay(now);
        this.dayEnd = nextUtcMidnight(now);
      }
      this.file = SegmentFile.openForDay(
        this.options.dir,
        this.day,
        this.options.maxFileSize,
        this.nextIndex,
      );
      this.options.transform?.segmentOpened(this.file.path);
      this.verifiedSize = this.file.size;
      this.lastGoneCheck = now;
    } else if (now - this.lastGoneCheck >= GONE_CHECK_INTERVAL_MS) {
      this.lastGoneCheck = now;
      if (this.file.isGone()) this.replaceRemovedFile(now);
      else this.verifiedSize = this.inflight?.position ?? this.file.size;
    }
    return this.file;
  }

  /**
   * The file (or its directory) was removed while open. Writes since the last check went to the
   * removed inode; read them back and carry them into a fresh file, so nothing is lost.
   */
  private replaceRemovedFile(now: number): void {
    const old = this.file!;
    const flight = this.inflight;
    const landedEnd = flight ? flight.position : old.size;
    const carried = old.readRange(this.verifiedSize, landedEnd);
    if (flight) {
      flight.superseded = true;
      this.inflight = null;
      // A copy: the thread pool may still read the original, and it is recycled when it reports back.
      this.buffer.unshift(copyBatch(flight.batch));
    }
    this.closeSegment(old);
    this.file = null;
    const fresh = SegmentFile.openForDay(this.options.dir, this.day, this.options.maxFileSize, old.index);
    if (carried.length > 0) {
      fresh.writeAllSync([carried], fresh.size, false);
      fresh.size += carried.length;
    }
    this.file = fresh;
    this.options.transform?.segmentOpened(fresh.path);
    this.verifiedSize = fresh.size;
    this.lastGoneCheck = now;
    writeStderr(`[actionlog] ${this.name}: ${old.path} was removed while open; reopened it\n`);
    this.push(
      this.options.systemLine('WARNING', `log file ${old.path} was removed while open; reopened it`, {
        sink: this.name,
        path: fresh.path,
        bytes_carried_over: carried.length,
      }),
    );
  }

  /** Hands the buffered lines to the thread pool as one positional write. */
  private startWrite(): void {
    if (this.inflight !== null || this.buffer.records === 0 || this.closed) return;
    this.clearBatchTimer();
    const now = this.options.clock();
    let file: SegmentFile;
    try {
      file = this.currentFile(now);
    } catch (error) {
      this.onFailure(error, false);
      return;
    }
    if (this.inflight !== null) return; // replacing a removed file may have drained synchronously
    const batch = this.buffer.takeAll();
    const flight: InFlightBatch = { file, position: file.size, batch, superseded: false };
    file.size += batch.bytes;
    file.pendingWrites++;
    this.inflight = flight;
    this.continueWrite(flight, batch.chunks, flight.position);
  }

  private continueWrite(flight: InFlightBatch, chunks: Buffer[], at: number): void {
    const { file } = flight;
    writev(file.fd, chunks, at, (error, bytes) => {
      if (flight.superseded) return this.settle(flight);
      if (error) return this.batchFailed(flight, error);
      const rest = afterBytes(chunks, bytes);
      if (rest.length > 0) return this.continueWrite(flight, rest, at + bytes);
      if (this.options.durability !== 'fsync') return this.batchLanded(flight);
      fdatasync(file.fd, (syncError) => {
        if (flight.superseded) return this.settle(flight);
        if (syncError) return this.batchFailed(flight, syncError);
        this.batchLanded(flight);
      });
    });
  }

  /** The async write is over: the descriptor may close and the chunks be reused. */
  private settle(flight: InFlightBatch): void {
    flight.file.writeFinished();
    this.buffer.recycle(flight.batch);
  }

  private batchFailed(flight: InFlightBatch, error: unknown): void {
    flight.file.writeFinished();
    this.inflight = null;
    flight.file.size = flight.position;
    this.buffer.unshift(flight.batch);
    this.onFailure(error, false);
  }

  private batchLanded(flight: InFlightBatch): void {
    this.settle(flight);
    this.inflight = null;
    this.written += batchRecords(flight.batch);
    this.afterSuccess();
    if (this.buffer.records > 0) {
      if (this.buffer.size >= this.options.batchBytes || this.flushWaiters.length > 0) this.startWrite();
      else this.armBatchTimer();
    } else {
      this.resolveWaiters();
    }
  }

  /**
   * Writes the in-flight batch again and everything buffered, synchronously, in one positional
   * write starting where the in-flight batch starts.
   */
  private drainSync(final: boolean): void {
    this.clearBatchTimer();
    // A recovery or drop report written after success needs one more round.
    for (let round = 0; round < 3 && !this.isIdle(); round++) {
      if (!this.drainOnce(final)) break;
    }
    if (this.isIdle()) this.resolveWaiters();
  }

  private drainOnce(final: boolean): boolean {
    const now = this.options.clock();
    let file: SegmentFile;
    try {
      file = this.currentFile(now);
    } catch (error) {
      this.onFailure(error, final);
      return false;
    }
    // The in-flight batch's chunks stay untouched (and are not recycled) until its own write
    // reports back: the thread pool may still be reading them.
    const flight = this.inflight;
    if (flight !== null) {
      flight.superseded = true;
      this.inflight = null;
      this.buffer.unshift(copyBatch(flight.batch));
    }
    const batch = this.buffer.takeAll();
    const position = flight ? flight.position : file.size;
    file.size = position + batch.bytes;
    try {
      file.writeAllSync(batch.chunks, position, this.options.durability === 'fsync');
    } catch (error) {
      file.size = position;
      this.buffer.unshift(batch);
      this.onFailure(error, final);
      return false;
    }
    this.written += batchRecords(batch);
    this.landings++;
    this.buffer.recycle(batch);
    this.afterSuccess();
    return true;
  }

  private afterSuccess(): void {
    const now = this.options.clock();
    const recovery = this.failures.recovered(now);
    if (recovery) {
      const message =
        `log writing recovered after ${recovery.failedAttempts} failed attempts over ` +
        `${(recovery.failedForMs / 1000).toFixed(1)} s (${recovery.lastError})`;
      writeStderr(`[actionlog] ${this.name}: ${message}\n`);
      const data: Record<string, unknown> = {
        sink: this.name,
        failed_attempts: recovery.failedAttempts,
        failed_for_ms: recovery.failedForMs,
        last_error: recovery.lastError,
        records_sent_to_stderr: this.fallbackRecords,
        records_dropped: this.dropped,
      };
      // Totals since start, like the two above; only for the policies that have them.
      if (this.options.onWriteFailure === 'fail') data.records_refused = this.refused;
      if (this.options.onWriteFailure === 'block') data.block_timeouts = this.blockTimeouts;
      this.push(this.options.systemLine('WARNING', message, data));
    }
    if (this.droppedUnreported > 0 && this.buffer.size < this.options.maxBufferBytes / 2) {
      const count = this.droppedUnreported;
      this.droppedUnreported = 0;
      this.push(
        this.options.systemLine('WARNING', `dropped ${count} records: the log buffer was full`, {
          sink: this.name,
          dropped: count,
          dropped_total: this.dropped,
          max_buffer_bytes: this.options.maxBufferBytes,
        }),
      );
    }
  }

  /** `refused`: the failure refused a synchronous record (`fail`) rather than holding it. */
  private onFailure(error: unknown, final: boolean, refused = false): void {
    this.lastFailure = error;
    const now = this.options.clock();
    const { retryInMs, alert } = this.failures.record(error, now);
    if (final) {
      this.sendToStderr(this.buffer.takeAll());
    } else if (this.retryTimer === null && !this.closed) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.startWrite();
      }, retryInMs);
      this.retryTimer.unref();
    }
    if (alert) {
      const where = this.file?.path ?? this.options.dir;
      const held = this.buffer.records;
      writeStderr(
        `[actionlog] ${this.name}: cannot write ${where} (${this.failures.lastError}); ` +
          (final
            ? `wrote ${this.fallbackRecords} records to stderr instead\n`
            : refused && held === 0
              ? 'refused a synchronous record (onWriteFailure "fail": the call threw NotDurableError); ' +
                'each later one is tried and refused while writing fails\n'
              : (refused
                  ? 'refused a synchronous record (onWriteFailure "fail": the call threw NotDurableError); '
                  : '') +
                `holding ${held} records (${Math.ceil(this.buffer.size / 1024)} KiB) in memory, retrying with backoff; ` +
                `past ${this.options.maxBufferBytes} bytes the oldest go to stderr\n`),
      );
    }
    this.resolveWaiters();
  }

  /** Sends the oldest lines to stderr until `incoming` more fit in the buffer bound. */
  private spillOldest(incoming: number): void {
    this.sendToStderr(this.buffer.takeOldestBeyond(Math.max(0, this.options.maxBufferBytes - incoming)));
  }

  private sendToStderr(batch: Batch): void {
    if (batch.chunks.length === 0) return;
    this.fallbackRecords += batchRecords(batch);
    writeStderrBytes(batch.chunks);
  }

  private armBatchTimer(): void {
    if (this.batchTimer !== null) return;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      this.startWrite();
    }, this.options.flushIntervalMs);
    this.batchTimer.unref();
  }

  private clearBatchTimer(): void {
    if (this.batchTimer !== null) {
      clearTimeout(this.batchTimer);
      this.batchTimer = null;
    }
  }

  private clearTimers(): void {
    this.clearBatchTimer();
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private resolveWaiters(): void {
    if (this.flushWaiters.length === 0) return;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Writes one line at `position` and advances the file's size; throws (size unchanged) when it cannot. */
function writeLineAt(file: SegmentFile, text: string, position: number): void {
  const bytes = Buffer.byteLength(text);
  const written = writeSync(file.fd, text, position);
  // A regular file takes a small write whole; finish a short one from the encoded bytes.
  if (written < bytes) file.writeAllSync([Buffer.from(text).subarray(written)], position + written, false);
  file.size = position + bytes;
}
