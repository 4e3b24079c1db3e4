import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listSegments, segmentFileName } from 'actionlog';
import type { FileOffset, Store } from '../store/store.js';
import {
  IDENTITY_BYTES,
  identityOf,
  inflate,
  inflatedHead,
  lastLineEnd,
  nextNewline,
  readAt,
} from './file-follower-read.js';
import type { Ingest, IngestResult } from './ingest.js';

export interface FileFollowerOptions {
  /** The log directory the applications write into with the library. */
  dir: string;
  /** How records enter the store: the app's ingest (validation, masking), as for HTTP. */
  ingest: Ingest;
  /** Where the offsets are read back from at start (they are saved through ingest). */
  store: Pick<Store, 'fileOffsets'>;
  /**
   * The streams to read: `''` is the main stream (`{dir}/*.jsonl`, every record), a name is a
   * sub-stream directory (`errors`). Default: the main stream only — `audit/` and the other
   * sub-streams hold copies of records the main stream has already.
   */
  streams?: readonly string[];
  /** How often to look for new lines and new segments. Default 250 ms. */
  intervalMs?: number;
  /**
   * Bytes read (and records committed) at a time at most. Default 4 MiB. The batch size adapts
   * between 16 KiB and this so a commit takes about `batchTargetMs`: a backlog goes in large
   * transactions when the store is fast, and never holds the event loop (SQLite writes are
   * synchronous) long enough to stall the requests served meanwhile when it is slow.
   */
  maxBatchBytes?: number;
  /** What a commit of one batch should take. Default 50 ms. */
  batchTargetMs?: number;
  /** Where problems go (a corrupt line, an unreadable `.gz`); rate-limited. Default: stderr. */
  onProblem?: (message: string) => void;
}

export interface FileFollowerStats {
  /** Records stored. */
  records: number;
  /** Lines that were JSON but not records (refused by validation). */
  rejected: number;
  /** Lines that were not JSON (torn by a crash, garbage). */
  corrupt: number;
  /** Bytes of segments consumed (uncompressed). */
  bytes: number;
  /** Segments known (read, being read, or finished). */
  segments: number;
  /** The last failure of a pass (the store refused a batch…), until a pass succeeds. */
  lastError?: string;
}

/** No record is this long: a line past it is skipped (and counted corrupt) instead of held in memory. */
const MAX_LINE_BYTES = 64 << 20;
/** Batches adapt between this… */
const MIN_BATCH_BYTES = 16 << 10;
/** …and maxBatchBytes, starting here. */
const FIRST_BATCH_BYTES = 256 << 10;
/** Bytes taken from one segment per pass before the others get their turn. */
const PASS_BUDGET = 64 << 20;
/** A run of NUL bytes (a write not landed yet) is waited for this long before it counts as corrupt. */
const HOLE_WAIT_MS = 2000;
/** Reports of skipped lines are gathered over this long. */
const REPORT_INTERVAL_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

interface Segment {
  /** The segment's name without `.gz`, with its stream: `2026-11-23.1.jsonl`, `errors/2026-11-23.jsonl`. */
  key: string;
  identity: string;
  /** Uncompressed bytes whose lines are stored (the end of a line). */
  offset: number;
  complete: boolean;
  /** The inode whose identity was checked by this process (a new inode is checked again). */
  checkedIno?: number;
  /** Bytes read at a time for a line longer than a batch (0: the batch size). */
  lineWindow: number;
  /** Since when a NUL byte (a hole) has held the next line back. */
  holeSince?: number;
  /** Inode, size and mtime of a file that could not be read: not tried again until it changes. */
  failed?: string;
}

/**
 * Ingests the JSONL segments applications write into a log directory with the library, as a log
 * shipper does. Every poll it lists the stream's segments (`{day}.jsonl`, `{day}.N.jsonl`, one
 * or more per writer process) and reads each past its offset:
 * - only whole lines: a line still being written waits for its newline; a line that is not a
 *   record is counted and skipped, never fatal;
 * - each batch of records is committed with the segment's new offset in one transaction
 *   (Store.appendFromFile through ingest), so a crash anywhere neither loses nor doubles one;
 * - a segment is known by its name without `.gz` and a digest of its first line: compressed after
 *   it was read, it is recognized and not read again; compressed before, it is read from the `.gz`
 *   from the offset (counted in uncompressed bytes); a different file under a known name (the
 *   directory recreated) is read from its start.
 * Polling, not fs.watch: watching is unreliable across platforms, network file systems and
 * directories created later; a stat per segment per poll is cheap.
 */
export class FileFollower {
  /** The directory, absolute: the `source` of the offsets. */
  readonly source: string;
  readonly stats: FileFollowerStats = { records: 0, rejected: 0, corrupt: 0, bytes: 0, segments: 0 };
  private readonly streams: readonly string[];
  private readonly intervalMs: number;
  private readonly maxBatchBytes: number;
  private readonly minBatchBytes: number;
  private readonly batchTargetMs: number;
  /** Bytes read and committed at a time now (see FileFollowerOptions.maxBatchBytes). */
  private batchBytes: number;
  private readonly onProblem: (message: string) => void;
  private readonly segments = new Map<string, Segment>();
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake = new AbortController();
  private passesStarted = 0;
  private passesEnded = 0;
  private waiters: Array<{ pass: number; resolve(): void }> = [];
  private skipped = { corrupt: 0, rejected: 0, segments: new Set<string>(), example: '' };
  private lastSkippedReport = Number.NEGATIVE_INFINITY;
  private lastErrorReport = Number.NEGATIVE_INFINITY;
  private savingChecked = false;

  constructor(private readonly options: FileFollowerOptions) {
    this.source = resolve(options.dir);
    this.streams = options.streams ?? [''];
    this.intervalMs = options.intervalMs ?? 250;
    this.maxBatchBytes = options.maxBatchBytes ?? 4 << 20;
    this.minBatchBytes = Math.min(MIN_BATCH_BYTES, this.maxBatchBytes);
    this.batchBytes = Math.min(FIRST_BATCH_BYTES, this.maxBatchBytes);
    this.batchTargetMs = options.batchTargetMs ?? 50;
    this.onProblem =
      options.onProblem ?? ((message) => process.stderr.write(`[actionlog serve] files: ${message}\n`));
  }

  /** What is followed, for people: `/var/log/myapp/*.jsonl`. */
  get description(): string {
    return this.streams.map((s) => join(this.source, s, '*.jsonl')).join(', ');
  }

  /** Reads the offsets back from the store, then follows in the background until stop(). */
  async start(): Promise<void> {
    if (this.loop) return;
    for (const saved of await this.options.store.fileOffsets(this.source)) {
      this.segments.set(saved.segment, {
        key: saved.segment,
        identity: saved.identity,
        offset: saved.offset,
        complete: saved.complete,
        lineWindow: 0,
      });
    }
    this.stats.segments = this.segments.size;
    this.loop = this.run();
  }

  /**
   * Stops following: the batch in flight is committed with its offset (the rest is read on the
   * next start). Resolves when nothing more will be written.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    await this.loop;
    this.reportSkipped(true);
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /** Resolves once a whole pass begun after this call has ended: what was in the files then is stored. */
  settled(): Promise<void> {
    if (this.stopping || !this.loop) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ pass: this.passesStarted + 1, resolve });
      this.wake.abort();
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.passesStarted++;
      let more = false;
      try {
        more = await this.pass();
        failures = 0;
        this.stats.lastError = undefined;
      } catch (error) {
        failures++;
        this.stats.lastError = (error as Error).message;
        const now = Date.now();
        if (now - this.lastErrorReport >= REPORT_INTERVAL_MS) {
          this.lastErrorReport = now;
          this.onProblem(`reading ${this.source} failed (${(error as Error).message}); retrying`);
        }
      }
      this.passesEnded++;
      if (failures === 0) {
        const done = this.waiters.filter((w) => w.pass <= this.passesEnded);
        this.waiters = this.waiters.filter((w) => w.pass > this.passesEnded);
        for (const waiter of done) waiter.resolve();
      }
      this.reportSkipped(false);
      if (this.stopping || more) continue;
      const pause =
        failures === 0 ? this.intervalMs : Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** failures);
      if (this.wake.signal.aborted) {
        // Asked for during the pass (settled()): another pass now.
        this.wake = new AbortController();
        continue;
      }
      try {
        await sleep(pause, undefined, { signal: this.wake.signal });
      } catch {
        // Woken early: stop() or settled().
      }
    }
  }

  /** One look at every segment; true when one had more than a pass may take (go again at once). */
  private async pass(): Promise<boolean> {
    let more = false;
    for (const stream of this.streams) {
      const dir = stream === '' ? this.source : join(this.source, stream);
      let previous = '';
      // In write order; a segment present both plain and `.gz` (a compression interrupted between
      // its rename and the removal) comes plain first, and the plain one counts.
      for (const info of listSegments(dir)) {
        if (this.stopping) return false;
        const name = segmentFileName(info.day, info.index);
        if (name === previous) continue;
        previous = name;
        const key = stream === '' ? name : `${stream}/${name}`;
        let segment = this.segments.get(key);
        if (!segment) {
          segment = { key, identity: '', offset: 0, complete: false, lineWindow: 0 };
          this.segments.set(key, segment);
          this.stats.segments = this.segments.size;
        }
        if (await this.follow(segment, join(dir, info.name), info.compressed)) more = true;
      }
    }
    return more;
  }

  /**
   * Reads what is new in one segment file; true when the pass budget ran out first. A file that
   * cannot be read is reported and skipped until it changes; a store failure ends the pass.
   */
  private async follow(segment: Segment, path: string, compressed: boolean): Promise<boolean> {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat?.isFile()) return false;
    if (compressed && segment.complete && segment.checkedIno === stat.ino) return false;
    const mark = `${compressed ? 'gz' : 'plain'}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (segment.failed === mark) return false;
    try {
      if (!(await this.checkIdentity(segment, path, compressed, stat.ino))) return false;
      if (!compressed) return await this.readPlain(segment, path, stat.size);
      if (!segment.complete) await this.readCompressed(segment, path);
      return false;
    } catch (error) {
      if (error instanceof StoreFailure) throw error.cause;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      segment.failed = mark;
      this.onProblem(
        `${segment.key}${compressed ? '.gz' : ''} cannot be read (${(error as Error).message}): skipped until it changes`,
      );
      return false;
    }
  }

  /**
   * Whether the file at `path` is the segment whose offset is remembered (a new inode is checked
   * once: compressed, it holds the same first line; recreated, another). Another file is read from
   * its start. False when the file is gone.
   */
  private async checkIdentity(segment: Segment, path: string, compressed: boolean, ino: number) {
    if (segment.checkedIno === ino) return true;
    if (segment.offset > 0 || segment.complete) {
      let identity: string | undefined;
      if (compressed) {
        const head = await inflatedHead(path);
        if (head === undefined) return false;
        identity = identityOf(head.head, head.whole);
      } else {
        const head = readAt(path, 0, IDENTITY_BYTES);
        if (head === undefined) return false;
        identity = identityOf(head);
      }
      if (identity !== segment.identity) {
        this.onProblem(
          `${segment.key}${compressed ? '.gz' : ''} is not the file read before under this name ` +
            `(its first line differs): reading it from its start`,
        );
        segment.offset = 0;
        segment.complete = false;
        segment.identity = '';
      }
    }
    segment.checkedIno = ino;
    return true;
  }

  /** Reads a growing segment from its offset to `size`; true when the pass budget ran out first. */
  private async readPlain(segment: Segment, path: string, size: number): Promise<boolean> {
    if (size < segment.offset) {
      // Only a write that failed and was cut off by its writer shrinks a segment: go on from its
      // last whole line (the writer writes the cut records again after it).
      const end = lastLineEnd(path, size);
      this.onProblem(
        `${segment.key} shrank to ${size} bytes, below the ${segment.offset} already read; going on from byte ${end}`,
      );
      segment.offset = end;
    }
    let budget = PASS_BUDGET;
    while (!this.stopping && size > segment.offset) {
      if (budget <= 0) return true;
      const left = size - segment.offset;
      const window = Math.max(this.batchBytes, segment.lineWindow);
      const data = readAt(path, segment.offset, Math.min(left, window));
      if (data === undefined || data.length === 0) return false;
      let end = data.lastIndexOf(0x0a) + 1;
      if (end === 0) {
        // The line is still being written (wait for its newline), or longer than the window.
        if (data.length >= left) return false;
        if (window < MAX_LINE_BYTES) {
          segment.lineWindow = Math.min(window * 4, MAX_LINE_BYTES);
          continue;
        }
        const newline = nextNewline(path, segment.offset + data.length);
        if (newline === -1) return false;
        await this.commit(segment, data, [], 1, newline + 1 - segment.offset, false);
        continue;
      }
      // JSON never holds a NUL byte: one is a part of the file not written yet (a hole before a
      // write that landed later). Lines before it are taken; it is waited for, briefly.
      const nul = data.indexOf(0);
      if (nul !== -1 && nul < end) {
        const before = data.lastIndexOf(0x0a, nul) + 1;
        if (before > 0) end = before;
        else {
          const now = Date.now();
          segment.holeSince ??= now;
          if (now - segment.holeSince < HOLE_WAIT_MS) return false;
        }
      }
      await this.consume(segment, data.subarray(0, end), false);
      segment.holeSince = undefined;
      segment.lineWindow = 0;
      budget -= end;
    }
    return false;
  }

  /**
   * Reads a `.gz` from the segment's offset (uncompressed bytes) to its end, committing as it
   * goes; at the end the segment is complete. A `.gz` holds whole lines but a crash may have torn
   * the last one: it is read too (the segment cannot grow any more), and counted if broken.
   */
  private async readCompressed(segment: Segment, path: string): Promise<void> {
    let skip = segment.offset;
    let parts: Buffer[] = [];
    let pending = 0;
    const stream = inflate(path);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (this.stopping) return;
        let piece = chunk;
        if (skip > 0) {
          if (piece.length <= skip) {
            skip -= piece.length;
            continue;
          }
          piece = piece.subarray(skip);
          skip = 0;
        }
        parts.push(piece);
        pending += piece.length;
        if (pending < this.batchBytes) continue;
        const all = Buffer.concat(parts, pending);
        const end = all.lastIndexOf(0x0a) + 1;
        if (end === 0) {
          parts = [all];
          continue;
        }
        await this.consume(segment, all.subarray(0, end), false);
        const rest = all.subarray(end);
        parts = rest.length > 0 ? [rest] : [];
        pending = rest.length;
      }
    } finally {
      stream.destroy();
    }
    if (skip > 0) {
      this.onProblem(
        `${segment.key}.gz holds fewer bytes than the ${segment.offset} already read from the segment; nothing more to read in it`,
      );
    }
    await this.consume(segment, Buffer.concat(parts, pending), true);
  }

  /** Parses the lines of `bytes` (which start at the segment's offset) and commits them with the new offset. */
  private async consume(segment: Segment, bytes: Buffer, complete: boolean): Promise<void> {
    const values: unknown[] = [];
    let corrupt = 0;
    if (bytes.length > 0) {
      for (const line of bytes.toString('utf8').split('\n')) {
        if (line.length === 0) continue;
        try {
          values.push(JSON.parse(line));
        } catch {
          if (line.trim() !== '') corrupt++;
        }
      }
    }
    await this.commit(segment, bytes, values, corrupt, bytes.length, complete);
  }

  /**
   * Ingests `values` with the segment's offset moved `advance` bytes, in one transaction; the
   * segment's state moves only once that is committed (a failure retries from the same place).
   * `head` is what was read from the offset: at offset 0 it gives the segment its identity.
   */
  private async commit(
    segment: Segment,
    head: Buffer,
    values: unknown[],
    corrupt: number,
    advance: number,
    complete: boolean,
  ): Promise<void> {
    const identity =
      segment.offset === 0 && !segment.complete ? (identityOf(head, true) ?? '') : segment.identity;
    const offset: FileOffset = {
      source: this.source,
      segment: segment.key,
      identity,
      offset: segment.offset + advance,
      complete,
    };
    let result: IngestResult;
    const started = performance.now();
    try {
      result = await this.options.ingest(values, { name: 'file', fileOffset: offset });
    } catch (error) {
      throw new StoreFailure(error);
    }
    this.adaptBatch(performance.now() - started, advance);
    segment.identity = identity;
    segment.offset = offset.offset;
    segment.complete = complete;
    if (!this.savingChecked) await this.checkSaving(offset);
    this.stats.records += result.accepted;
    this.stats.rejected += result.rejected.length;
    this.stats.corrupt += corrupt;
    this.stats.bytes += advance;
    if (corrupt > 0 || result.rejected.length > 0) {
      this.skipped.corrupt += corrupt;
      this.skipped.rejected += result.rejected.length;
      this.skipped.segments.add(segment.key);
      if (result.rejected.length > 0 && this.skipped.example === '') {
        this.skipped.example = result.rejected[0].detail;
      }
    }
  }

  /** Halves the batch when a commit took far longer than the target, doubles it when far shorter. */
  private adaptBatch(ms: number, bytes: number): void {
    if (ms > this.batchTargetMs * 2) this.batchBytes = Math.max(this.minBatchBytes, this.batchBytes >> 1);
    else if (ms < this.batchTargetMs / 2 && bytes >= this.batchBytes >> 1)
      this.batchBytes = Math.min(this.maxBatchBytes, this.batchBytes * 2);
  }

  /**
   * Once, after the first commit: the offset must be in the store now. An ingest that does not
   * pass `fileOffset` on to Store.appendFromFile (a replacement given to buildApp) would have
   * every record stored again after a restart: following stops instead, and says why.
   */
  private async checkSaving(offset: FileOffset): Promise<void> {
    this.savingChecked = true;
    const saved = (await this.options.store.fileOffsets(this.source)).find(
      (o) => o.segment === offset.segment,
    );
    if (saved?.offset === offset.offset) return;
    this.stopping = true;
    this.onProblem(
      'stopped following: the ingest in use does not save file offsets (IngestSource.fileOffset → ' +
        'Store.appendFromFile), so a restart would store every record again',
    );
  }

  /** Says how many lines were skipped, at most once per REPORT_INTERVAL_MS (and at stop). */
  private reportSkipped(final: boolean): void {
    const { corrupt, rejected, segments, example } = this.skipped;
    if (corrupt + rejected === 0) return;
    const now = Date.now();
    if (!final && now - this.lastSkippedReport < REPORT_INTERVAL_MS) return;
    this.lastSkippedReport = now;
    const parts = [];
    if (corrupt > 0) parts.push(`${corrupt} not JSON (torn or garbage)`);
    if (rejected > 0) parts.push(`${rejected} not valid records (e.g. ${example})`);
    this.onProblem(
      `skipped ${corrupt + rejected} line(s) of ${[...segments].join(', ')}: ${parts.join('; ')}`,
    );
    this.skipped = { corrupt: 0, rejected: 0, segments: new Set(), example: '' };
  }
}

/** Ingest failed (the store refused or is closed): the pass ends and is retried, the file is not to blame. */
class StoreFailure extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}
