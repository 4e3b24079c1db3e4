import { renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeStderr } from '../pipeline/stderr.js';
import type { LineTransform } from '../sinks/line-transform.js';
import {
  algorithmOf,
  type ChainAlgorithm,
  GENESIS,
  keyId,
  type LinkHasher,
  linkHasher,
} from './chain-hash.js';
import {
  CHAIN_DIR,
  type ManifestSegment,
  readSegmentRecord,
  recordMac,
  writeSegmentRecord,
} from './chain-manifest.js';
import { countChainedLines, readSegmentTail } from './segment-tail.js';
import { listStreamSegments } from './stream-segments.js';

export interface IntegrityChainOptions {
  /** The stream directory the sink writes (`{dir}/audit` for the audit stream). */
  dir: string;
  /** HMAC key (`ACTIONLOG_INTEGRITY_KEY`); plain SHA-256 without one. */
  key?: Buffer;
  /** How soon after a record the segment's record count catches up (default 2 s). */
  checkpointIntervalMs?: number;
}

/** Checkpoint attempts that find records still buffered before waiting for the next record. */
const CHECKPOINT_RETRIES = 5;

/**
 * The writer's side of the hash chain, as a file sink's line transform: appends
 * `,"hash":"<hex>"` to each line (chain-hash.ts) and keeps each segment's record in `.chain/`
 * (chain-manifest.ts): what its first record links to, and how many records it holds.
 *
 * A new process continues from the last hash on disk, so restarts, size segments and midnight
 * all link up; processes writing one directory side by side each chain their own segments, which
 * fork from a common record. The record count is brought up to date a moment after writing (and
 * when the segment is finished), and only once the tail of the file shows the records are there,
 * so a crash never leaves a count that claims more than was written.
 */
export class IntegrityChain implements LineTransform {
  readonly dir: string;
  private readonly key: Buffer | undefined;
  private readonly hasher: LinkHasher;
  private readonly alg: ChainAlgorithm;
  private readonly keyId: string | undefined;
  private readonly checkpointIntervalMs: number;
  private prev: string | undefined;
  /** The segment holding the record `prev` names. */
  private prevSegment: string | undefined;
  private entry: ManifestSegment | undefined;
  private segmentPath: string | undefined;
  /** Records chained into the current segment by this process. */
  private applied = 0;
  /** Chained records the current segment held when this process opened it; undefined until counted. */
  private base: number | undefined;
  private timer: NodeJS.Timeout | null = null;
  private retries = 0;
  private recordWarned = false;
  /** What `prev` was before the last `apply`, for `revert`. */
  private revertPrev: string | undefined;
  private revertPrevSegment: string | undefined;

  constructor(options: IntegrityChainOptions) {
    this.dir = options.dir;
    this.key = options.key;
    this.hasher = linkHasher(options.key);
    this.alg = algorithmOf(options.key);
    this.keyId = options.key === undefined ? undefined : keyId(options.key);
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 2000;
  }

  apply(line: string): string {
    if (this.prev === undefined) this.resume();
    // The line ends in `}\n`: canonical is the line without its newline (chain-hash.ts).
    const hash = this.hasher(this.prev + line.slice(0, -1));
    this.revertPrev = this.prev;
    this.revertPrevSegment = this.prevSegment;
    this.prev = hash;
    this.prevSegment = this.entry?.name;
    this.applied++;
    this.retries = 0;
    if (this.timer === null) this.armCheckpoint();
    return line.slice(0, -2) + ',"hash":"' + hash + '"}\n';
  }

  /**
   * The line `apply` returned last was not written and never will be (a record refused with
   * `onWriteFailure: 'fail'`): the next line links to the one before it again.
   */
  revert(): void {
    if (this.revertPrev === undefined) return;
    this.prev = this.revertPrev;
    this.prevSegment = this.revertPrevSegment;
    this.applied--;
    this.revertPrev = undefined;
  }

  segmentOpened(path: string): void {
    if (this.prev === undefined) this.resume();
    // The same path again: the file was removed while open and recreated; it stays one segment.
    if (path === this.segmentPath) return;
    if (this.segmentPath !== undefined) this.checkpoint();
    this.segmentPath = path;
    this.applied = 0;
    this.base = undefined;
    const name = basename(path);
    const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    // Within a segment the chain is one line: a segment continued (after a restart, or after
    // another process let go of it) continues from its own last record.
    const tailHash = size > 0 ? readSegmentTail(path, false).lastHash : undefined;
    if (tailHash !== undefined) {
      this.prev = tailHash;
      this.prevSegment = name;
    }
    const existing = this.existingRecord(name);
    let entry: ManifestSegment;
    if (existing !== undefined) {
      entry = existing;
      if (entry.alg !== this.alg || entry.keyId !== this.keyId) {
        writeStderr(
          `[actionlog] integrity: ${path} was chained with ${describe(entry.alg, entry.keyId)} and now continues with ` +
            `${describe(this.alg, this.keyId)}; verify will report a break there. Keep ACTIONLOG_INTEGRITY_KEY the same across restarts.\n`,
        );
      }
      if (entry.records !== undefined && entry.last === this.prev) this.base = entry.records;
      else this.countBase(path, entry, size);
    } else {
      entry = { name, alg: this.alg };
      if (this.keyId !== undefined) entry.keyId = this.keyId;
      if (tailHash === undefined) {
        entry.prev = this.prev;
        if (this.prevSegment !== undefined) entry.follows = this.prevSegment;
        // Lines written before integrity was turned on: the chain starts after them.
        if (size > 0) entry.start = size;
        this.base = 0;
      } else {
        // Chained by an earlier run whose record is gone: where its chain began is unknown.
        this.countBase(path, entry, size);
      }
    }
    this.entry = entry;
    this.saveRecord();
  }

  /** The sink is done with the segment (or the process is ending): its lines are on disk. */
  segmentClosed(): void {
    this.checkpoint();
  }

  /**
   * Records the current segment's chained record count and last hash, when the file's tail shows
   * every chained record has been written. Called on a timer, when the next segment opens, and
   * when the logger closes.
   */
  checkpoint(): void {
    this.clearTimer();
    const entry = this.entry;
    if (entry === undefined || this.segmentPath === undefined || this.base === undefined) return;
    const records = this.base + this.applied;
    if (records === 0 || (entry.records === records && entry.last === this.prev)) return;
    let lastOnDisk: string | undefined;
    try {
      lastOnDisk = readSegmentTail(this.segmentPath, false).lastHash;
    } catch {
      return;
    }
    if (lastOnDisk !== this.prev) {
      // Still buffered (or the disk is failing): look again shortly.
      if (++this.retries <= CHECKPOINT_RETRIES) this.armCheckpoint();
      return;
    }
    entry.records = records;
    entry.last = this.prev;
    this.saveRecord();
  }

  /** The last hash on disk: what a new process continues from. */
  private resume(): void {
    const segments = listStreamSegments(this.dir);
    for (let i = segments.length - 1; i >= 0; i--) {
      let tail: ReturnType<typeof readSegmentTail>;
      try {
        tail = readSegmentTail(segments[i].path, segments[i].compressed);
      } catch {
        continue;
      }
      if (tail.lastHash !== undefined) {
        this.prev = tail.lastHash;
        this.prevSegment = segments[i].name.replace(/\.gz$/, '');
        return;
      }
      // Records, none chained: written before integrity was on, so a new chain starts.
      if (tail.size > 0) break;
    }
    this.prev = GENESIS;
  }

  private existingRecord(name: string): ManifestSegment | undefined {
    const read = readSegmentRecord(this.dir, name);
    if (typeof read !== 'string') {
      if (read?.mac !== undefined && this.key !== undefined && read.mac !== recordMac(read, this.key)) {
        writeStderr(
          `[actionlog] integrity: ${join(this.dir, CHAIN_DIR, `${name}.json`)} was not written with this key (edited, or the key changed)\n`,
        );
      }
      return read;
    }
    // Kept aside, not overwritten: it may be evidence.
    const file = join(this.dir, CHAIN_DIR, `${name}.json`);
    const aside = `${file}.invalid-${Date.now()}`;
    try {
      renameSync(file, aside);
    } catch {
      // Unmovable: the next write replaces it.
    }
    writeStderr(`[actionlog] integrity: ${file} is invalid (${read}); moved it to ${aside}\n`);
    return undefined;
  }

  /**
   * Counts the records a continued segment already holds, off the logging path. When the count
   * disagrees with the segment's last checkpoint (records were cut or changed while no process
   * was writing), the checkpoint is left as it is, as evidence, and no new one is taken.
   */
  private countBase(path: string, entry: ManifestSegment, size: number): void {
    const checkpoint =
      entry.records !== undefined && entry.last !== undefined
        ? { records: entry.records, last: entry.last }
        : undefined;
    countChainedLines(path, entry.start ?? 0, size, checkpoint).then(
      ({ count, consistent }) => {
        if (this.segmentPath !== path) return;
        if (consistent) this.base = count;
        else {
          writeStderr(
            `[actionlog] integrity: ${path} no longer holds the ${checkpoint?.records} records its last checkpoint counted; ` +
              'left the checkpoint as evidence (run actionlog verify)\n',
          );
        }
      },
      () => {
        // Unreadable: this segment's count stays unknown, and its record says nothing about it.
      },
    );
  }

  private saveRecord(): void {
    try {
      writeSegmentRecord(this.dir, this.entry!, this.key);
      this.recordWarned = false;
    } catch (error) {
      if (!this.recordWarned) {
        this.recordWarned = true;
        writeStderr(
          `[actionlog] integrity: cannot write ${join(this.dir, CHAIN_DIR)} (${(error as Error).message}); records are still chained\n`,
        );
      }
    }
  }

  private armCheckpoint(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.checkpoint();
    }, this.checkpointIntervalMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}

function describe(alg: ChainAlgorithm, id: string | undefined): string {
  return alg === 'sha256' ? 'SHA-256 (no key)' : `HMAC-SHA-256 (key ${id})`;
}
