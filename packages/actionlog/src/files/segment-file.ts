import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterBytes } from '../pipeline/chunk-buffer.js';
import { DIR_MODE, FILE_MODE } from './modes.js';
import { claimSegment, releaseSegment } from './segment-claim.js';
import { listSegments, segmentFileName } from './segments.js';

// Read access too: a torn last line is detected, and a file removed while open is read back.
const OPEN_FLAGS = constants.O_RDWR | constants.O_CREAT;

export { DIR_MODE, FILE_MODE } from './modes.js';

/**
 * One open segment. Writes are positional (`pwrite`) at offsets this process hands out, so a
 * batch still in flight on the thread pool can be written again synchronously at exit: the same
 * bytes at the same place, never reordered, never lost, never doubled.
 * One process writes a segment; loggers in one process share it through the sink registry.
 */
export class SegmentFile {
  /** Offset where the next batch goes; advanced when a batch is handed out, not when it lands. */
  size: number;
  /** Async writes still using the descriptor; closing waits for them so the number is never reused under them. */
  pendingWrites = 0;
  private closeRequested = false;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly day: string,
    readonly index: number,
    readonly fd: number,
    readonly ino: number,
    size: number,
  ) {
    this.size = size;
  }

  /**
   * Opens the segment to continue for `day`: the newest one of that day unless it is full,
   * compressed or claimed by another live process, in which case the next index. A torn last
   * line left by a crash is ended with a newline first, so the first new record starts on a line
   * of its own.
   */
  static openForDay(dir: string, day: string, maxFileSize: number, minIndex = 0): SegmentFile {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    const ofDay = listSegments(dir).filter((segment) => segment.day === day);
    const newest = ofDay.reduce((max, segment) => Math.max(max, segment.index), 0);
    const first = Math.max(minIndex, newest);
    for (let index = first; index < first + 10_000; index++) {
      if (ofDay.some((segment) => segment.index === index && segment.compressed)) continue;
      const path = join(dir, segmentFileName(day, index));
      if (fileSize(path) >= maxFileSize || !claimSegment(path)) continue;
      return SegmentFile.open(path, day, index);
    }
    throw new Error(`no free segment for ${day} in ${dir}: 10000 are full or claimed by live processes`);
  }

  static open(path: string, day: string, index: number): SegmentFile {
    const fd = openSync(path, OPEN_FLAGS, FILE_MODE);
    try {
      const stat = fstatSync(fd);
      const file = new SegmentFile(path, day, index, fd, stat.ino, stat.size);
      if (stat.size > 0 && stat.isFile() && lastByte(fd, stat.size) !== 0x0a) {
        writeSync(fd, '\n', stat.size);
        file.size += 1;
      }
      return file;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Writes all of `chunks` at `position`, synchronously (short writes are continued). */
  writeAllSync(chunks: readonly Buffer[], position: number, sync: boolean): void {
    let pending = chunks;
    let at = position;
    while (pending.length > 0) {
      // One chunk (every `sync` record) is the common case: plain pwrite skips building an iovec.
      const written =
        pending.length === 1
          ? writeSync(this.fd, pending[0], 0, pending[0].length, at)
          : writevSync(this.fd, pending as Buffer[], at);
      at += written;
      pending = afterBytes(pending, written);
    }
    if (sync) fdatasyncSync(this.fd);
  }

  /** True when the path no longer names this file (directory or file removed, or moved away). */
  isGone(): boolean {
    const stat = statSync(this.path, { throwIfNoEntry: false });
    return stat === undefined || stat.ino !== this.ino;
  }

  /** Bytes `[from, to)` of this (possibly already unlinked) file, to carry them into a replacement. */
  readRange(from: number, to: number): Buffer {
    const out = Buffer.alloc(Math.max(0, to - from));
    let read = 0;
    while (read < out.length) {
      const n = readSync(this.fd, out, read, out.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    return out.subarray(0, read);
  }

  /** Closes now, or as soon as the async writes using the descriptor are done. */
  close(): void {
    this.closeRequested = true;
    if (this.pendingWrites === 0) this.closeNow();
  }

  /** Called by the owner when an async write finished. */
  writeFinished(): void {
    this.pendingWrites--;
    if (this.closeRequested && this.pendingWrites === 0) this.closeNow();
  }

  get isClosed(): boolean {
    return this.closeRequested;
  }

  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    releaseSegment(this.path);
    try {
      closeSync(this.fd);
    } catch {
      // Already closed or invalid: nothing left to release.
    }
  }
}

function fileSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

function lastByte(fd: number, size: number): number {
  const one = Buffer.alloc(1);
  return readSync(fd, one, 0, 1, size - 1) === 1 ? one[0] : 0x0a;
}
