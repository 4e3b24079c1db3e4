import { HASH_HEX_LENGTH, HASH_MEMBER_PREFIX, HASH_SUFFIX_LENGTH, type LinkHasher } from './chain-hash.js';

export type WalkFailure =
  /** The line's hash is not the hash of the previous one and its own bytes. */
  | { kind: 'mismatch'; line: number }
  /** A complete record without a hash. */
  | { kind: 'unchained'; line: number }
  /** The chain holds, but record number `records` is not the one the manifest's checkpoint names. */
  | { kind: 'checkpoint'; line: number };

const PREFIX = Buffer.from(HASH_MEMBER_PREFIX, 'latin1');
const CLOSE_BRACE = 0x7d;

/**
 * Checks chain links line by line over a stream of chunks: the fast path of `verify`, one hash
 * per record and no JSON parsing. Stops at the first failure; naming it is diagnose-break.ts's job.
 */
export class ChainWalker {
  /** 1-based number of the last line seen in the current segment. */
  line = 0;
  /** Chained records checked in the current segment. */
  records = 0;
  /** Lines without a hash that are not whole records (a write cut short by a crash), all segments. */
  torn = 0;
  /** Whether the current segment ended in a line without a newline. */
  tornAtEnd = false;
  failure: WalkFailure | undefined;
  private hasher: LinkHasher;
  /** `prev ‖ canonical` of a line checked the slow way; bytes [0, 64) hold `prev` between chunks. */
  private scratch = Buffer.alloc(64 * 1024);
  private hasPrev = false;
  /** Where `prev` is in the chunk being fed, or -1 when it is in `scratch`. */
  private prevAt = -1;
  /** End of the last chained line of the chunk being fed, or -1. */
  private lastEnd = -1;
  private carry: Buffer | undefined;
  private offset = 0;
  private skipBefore = 0;
  private checkpoint: { records: number; last: string } | undefined;

  constructor(hasher: LinkHasher) {
    this.hasher = hasher;
  }

  /** The expected `prev` of the next record; undefined means "accept the next record as a chain start". */
  get prev(): string | undefined {
    return this.hasPrev ? this.scratch.toString('latin1', 0, HASH_HEX_LENGTH) : undefined;
  }

  set prev(value: string | undefined) {
    this.hasPrev = value !== undefined;
    if (value !== undefined) this.scratch.write(value, 0, 'latin1');
  }

  /**
   * Starts a segment. Lines starting before byte `skipBefore` are counted but not checked (they
   * were written before integrity was on); `checkpoint` is the manifest's count and last hash.
   */
  startSegment(hasher: LinkHasher, skipBefore = 0, checkpoint?: { records: number; last: string }): void {
    this.hasher = hasher;
    this.line = 0;
    this.records = 0;
    this.tornAtEnd = false;
    this.carry = undefined;
    this.offset = 0;
    this.skipBefore = skipBefore;
    this.checkpoint = checkpoint;
  }

  /** Feeds the next chunk of the segment; false once a failure has been found. */
  feed(chunk: Buffer): boolean {
    if (this.failure) return false;
    let buf = chunk;
    if (this.carry !== undefined) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let start = 0;
    this.lastEnd = -1;
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      this.line++;
      const lineOffset = this.offset;
      this.offset += nl + 1 - start;
      if (lineOffset >= this.skipBefore && !this.check(buf, start, nl)) {
        this.keepPrev(buf);
        return false;
      }
      start = nl + 1;
    }
    // `prev` and the rest of the chunk may outlive its memory.
    this.keepPrev(buf);
    if (start < buf.length) this.carry = Buffer.from(buf.subarray(start));
    return true;
  }

  private keepPrev(buf: Buffer): void {
    if (this.prevAt >= 0) buf.copy(this.scratch, 0, this.prevAt, this.prevAt + HASH_HEX_LENGTH);
    this.prevAt = -1;
  }

  /** The segment is over: a remainder without a newline is a torn last line. */
  endSegment(): void {
    if (this.carry !== undefined && !this.failure) {
      this.line++;
      this.torn++;
      this.tornAtEnd = true;
    }
    this.carry = undefined;
  }

  private check(buf: Buffer, start: number, end: number): boolean {
    const at = end - HASH_SUFFIX_LENGTH;
    if (!hasHashSuffix(buf, start, at, end)) {
      if (isWholeRecord(buf, start, end)) {
        this.failure = { kind: 'unchained', line: this.line };
        return false;
      }
      this.torn++;
      return true;
    }
    const hexStart = at + PREFIX.length;
    if (this.hasPrev) {
      let input: Buffer;
      if (this.lastEnd === start - 1 && start >= HASH_HEX_LENGTH + 3) {
        // The usual case, hashed in place: the previous line's hash sits just before this line,
        // behind its `"}\n`. Moved 3 bytes on over those (a line already checked) and with this
        // line's `,` turned into `}`, the chunk itself holds `prev ‖ canonical`.
        buf.copyWithin(start - HASH_HEX_LENGTH, start - HASH_HEX_LENGTH - 3, start - 3);
        this.prevAt = start - HASH_HEX_LENGTH;
        buf[at] = CLOSE_BRACE;
        input = buf.subarray(start - HASH_HEX_LENGTH, at + 1);
      } else {
        this.keepPrev(buf);
        const length = at - start;
        if (this.scratch.length < HASH_HEX_LENGTH + length + 1) {
          const larger = Buffer.alloc(2 * (HASH_HEX_LENGTH + length + 1));
          this.scratch.copy(larger, 0, 0, HASH_HEX_LENGTH);
          this.scratch = larger;
        }
        buf.copy(this.scratch, HASH_HEX_LENGTH, start, at);
        this.scratch[HASH_HEX_LENGTH + length] = CLOSE_BRACE;
        input = this.scratch.subarray(0, HASH_HEX_LENGTH + length + 1);
      }
      if (buf.toString('latin1', hexStart, hexStart + HASH_HEX_LENGTH) !== this.hasher(input)) {
        this.failure = { kind: 'mismatch', line: this.line };
        return false;
      }
    }
    // The stored hash is the next line's `prev`.
    this.prevAt = hexStart;
    this.lastEnd = end;
    this.hasPrev = true;
    this.records++;
    const checkpoint = this.checkpoint;
    if (checkpoint !== undefined && this.records === checkpoint.records) {
      if (buf.toString('latin1', hexStart, hexStart + HASH_HEX_LENGTH) !== checkpoint.last) {
        this.failure = { kind: 'checkpoint', line: this.line };
        return false;
      }
    }
    return true;
  }
}

function hasHashSuffix(buf: Buffer, start: number, at: number, end: number): boolean {
  if (at <= start || buf[end - 1] !== CLOSE_BRACE || buf[end - 2] !== 0x22) return false;
  for (let i = 0; i < PREFIX.length; i++) if (buf[at + i] !== PREFIX[i]) return false;
  return true;
}

/** A line that parses as a JSON object: a record, not a fragment of one. */
export function isWholeRecord(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 2 || buf[start] !== 0x7b || buf[end - 1] !== CLOSE_BRACE) return false;
  try {
    const value = JSON.parse(buf.toString('utf8', start, end));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
