/** Lines encoded as UTF-8, in order: whole lines only, so any prefix of a batch ends on a line boundary. */
export interface Batch {
  chunks: Buffer[];
  /** Lines per chunk, to count what is spilled or written. */
  records: number[];
  bytes: number;
}

export function batchRecords(batch: Batch): number {
  let total = 0;
  for (const count of batch.records) total += count;
  return total;
}

/** What is left of `chunks` once the first `bytes` are written. */
export function afterBytes(chunks: readonly Buffer[], bytes: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = bytes;
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
  return rest;
}

const EMPTY: Batch = { chunks: [], records: [], bytes: 0 };

/**
 * The bounded buffer of a sink. Lines are encoded into reusable chunks as they arrive, so the
 * string a log call built dies young (cheap for the garbage collector), the bound is in real
 * bytes, and a batch goes to the kernel as one `writev` with no joining or copying.
 */
export class ChunkBuffer {
  private chunks: Buffer[] = [];
  private counts: number[] = [];
  private current: Buffer | null = null;
  private used = 0;
  private currentRecords = 0;
  private readonly free: Buffer[] = [];
  /** Chunk memory allocated here and not in the free list; a recycled batch is checked against it. */
  private readonly owned = new WeakSet<ArrayBufferLike>();
  /** Bytes held. */
  size = 0;
  /** Lines held. */
  records = 0;

  constructor(private readonly chunkSize: number) {}

  push(line: string): void {
    let current = this.current;
    let room = current === null ? 0 : current.length - this.used;
    // A UTF-16 code unit is at most 3 UTF-8 bytes: measure exactly only when it might not fit.
    if (room < line.length * 3) {
      const bytes = Buffer.byteLength(line);
      if (bytes > room) {
        this.seal();
        current = this.fresh(bytes);
        room = current.length;
      }
    }
    const written = current!.write(line, this.used);
    this.used += written;
    this.currentRecords++;
    this.size += written;
    this.records++;
  }

  /** Removes and returns everything held. */
  takeAll(): Batch {
    this.seal();
    if (this.chunks.length === 0) return EMPTY;
    const batch: Batch = { chunks: this.chunks, records: this.counts, bytes: this.size };
    this.chunks = [];
    this.counts = [];
    this.size = 0;
    this.records = 0;
    return batch;
  }

  /** Puts a batch back in front (its write failed). */
  unshift(batch: Batch): void {
    if (batch.chunks.length === 0) return;
    this.seal();
    this.chunks = batch.chunks.concat(this.chunks);
    this.counts = batch.records.concat(this.counts);
    this.size += batch.bytes;
    this.records += batchRecords(batch);
  }

  /** Removes the oldest chunks until at most `keep` bytes remain. */
  takeOldestBeyond(keep: number): Batch {
    this.seal();
    const out: Batch = { chunks: [], records: [], bytes: 0 };
    while (this.size > keep && this.chunks.length > 0) {
      const chunk = this.chunks.shift()!;
      const count = this.counts.shift()!;
      out.chunks.push(chunk);
      out.records.push(count);
      out.bytes += chunk.length;
      this.size -= chunk.length;
      this.records -= count;
    }
    return out;
  }

  /** Returns a written batch's memory for reuse. Only once nothing can still read it. */
  recycle(batch: Batch): void {
    for (const chunk of batch.chunks) {
      if (this.free.length >= 4) return;
      // Only memory this buffer allocated itself: never a copy that may sit in Node's shared pool.
      if (this.owned.has(chunk.buffer) && chunk.buffer.byteLength === this.chunkSize) {
        this.owned.delete(chunk.buffer);
        this.free.push(Buffer.from(chunk.buffer, 0, this.chunkSize));
      }
    }
  }

  private seal(): void {
    if (this.current !== null && this.used > 0) {
      this.chunks.push(this.current.subarray(0, this.used));
      this.counts.push(this.currentRecords);
    }
    this.current = null;
    this.used = 0;
    this.currentRecords = 0;
  }

  private fresh(atLeast: number): Buffer {
    const chunk =
      atLeast <= this.chunkSize && this.free.length > 0
        ? this.free.pop()!
        : Buffer.allocUnsafeSlow(Math.max(this.chunkSize, atLeast));
    this.owned.add(chunk.buffer);
    this.current = chunk;
    this.used = 0;
    this.currentRecords = 0;
    return chunk;
  }
}
