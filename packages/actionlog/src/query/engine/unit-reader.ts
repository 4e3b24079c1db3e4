import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { memberHeader } from '../../files/gzip-members.js';
import { MemberInflater } from './member-inflater.js';

/**
 * A piece of work: a byte range of a plain segment, a run of members of an actionlog `.jsonl.gz`
 * (`rawBytes` set), or a whole gzip file of unknown structure.
 */
export interface Unit {
  id: number;
  /** Position in the output order (units are numbered in the order their rows come out). */
  order: number;
  path: string;
  compressed: boolean;
  /** Lines starting in [start, end) belong to the unit (plain segments); the members' bytes (gzip members). */
  start: number;
  end: number;
  /** Uncompressed bytes of a run of gzip members. */
  rawBytes?: number;
  /** The file's size when the query was planned: a file still being written is read up to it. */
  size: number;
}

/**
 * Receives complete lines: `buffer[start, end)` ends just after a newline. The last call may
 * have `final` set: a last line without newline.
 */
export type ChunkHandler = (buffer: Buffer, start: number, end: number, final: boolean) => void;

/** The largest read of a plain segment: buffers handed out by a ReadBuffers are this size at most. */
export const CHUNK_BYTES = 4 << 20;

/**
 * Where plain segments are read into: a pair of buffers per unit, taken and given back. The
 * default keeps JavaScript buffers for the next unit; a WebAssembly kernel hands out views of
 * its own memory, so the kernel searches the bytes where the read put them.
 */
export interface ReadBuffers {
  take(size: number): Buffer;
  giveBack(buffer: Buffer): void;
}

export async function readUnit(
  unit: Unit,
  onChunk: ChunkHandler,
  buffers: ReadBuffers = kept,
): Promise<void> {
  if (unit.rawBytes !== undefined) await readMembers(unit, onChunk);
  else if (unit.compressed) await readGzip(unit.path, onChunk);
  else await readPlain(unit, onChunk, buffers);
}

/** This thread's inflater: its output buffer is reused from member to member. */
const inflater = new MemberInflater();

/**
 * A run of gzip members: read in one go, each member inflated here, on this thread (a worker's,
 * in a large query). Members hold whole lines, so each is its own chunk; a line cut across
 * members (longer than a member) is joined. The loop is synchronous, so scans sharing the thread
 * never share the inflater's buffer.
 */
async function readMembers(unit: Unit, onChunk: ChunkHandler): Promise<void> {
  const packed = Buffer.allocUnsafe(unit.end - unit.start);
  const file = await open(unit.path, 'r');
  try {
    const { bytesRead } = await file.read(packed, 0, packed.length, unit.start);
    if (bytesRead < packed.length) throw new Error('the file is shorter than when the query began');
  } finally {
    await file.close();
  }
  let carry: Buffer | undefined;
  for (let at = 0; at < packed.length; ) {
    const header = memberHeader(packed, at);
    if (header === undefined || at + header.length > packed.length)
      throw new Error(`no gzip member at byte ${unit.start + at}`);
    // The lines are in the inflater's kept buffer, which the next member overwrites: the cut
    // line carried over is copied out first.
    const lines = inflater.inflate(packed, at, header.length, header.rawLength, carry);
    at += header.length;
    const lastNl = lines.lastIndexOf(10);
    carry = lastNl + 1 < lines.length ? Buffer.from(lines.subarray(lastNl + 1)) : undefined;
    if (lastNl !== -1) onChunk(lines, 0, lastNl + 1, false);
  }
  if (carry !== undefined && carry.length > 0) onChunk(carry, 0, carry.length, true);
}

/**
 * Reads the unit in chunks, two buffers in turn: the next read is under way while the current
 * chunk's lines are scanned, so reading and scanning overlap.
 */
async function readPlain(unit: Unit, onChunk: ChunkHandler, buffers: ReadBuffers): Promise<void> {
  if (unit.end <= unit.start) return;
  const file = await open(unit.path, 'r');
  const size = Math.min(CHUNK_BYTES, Math.max(64 << 10, unit.end - unit.start + 1));
  let current: Buffer = buffers.take(size);
  let spare: Buffer = buffers.take(size);
  // Unless the unit starts the file, its first (partial) line belongs to the unit before.
  let readAt = unit.start > 0 ? unit.start - 1 : 0;
  let skipping = unit.start > 0;
  /** File offset of current[0]. */
  let base = readAt;
  const issue = (buffer: Buffer, offset: number) => {
    const want = Math.min(buffer.length - offset, unit.size - readAt);
    const at = readAt;
    readAt += Math.max(0, want);
    return want > 0
      ? file.read(buffer, offset, want, at).then((r) => ({ read: r.bytesRead, want }))
      : Promise.resolve({ read: 0, want: 0 });
  };
  let pending = Promise.resolve({ read: 0, want: 0 });
  try {
    let carry = 0;
    pending = issue(current, 0);
    for (;;) {
      const { read, want } = await pending;
      const filled = carry + read;
      // A short read: the file ends here (it may have been cut since it was planned).
      const atEnd = read === 0 || read < want;
      let start = 0;
      if (skipping) {
        const nl = current.indexOf(10);
        if (nl === -1 || nl >= filled) {
          if (atEnd) return;
          base += filled;
          carry = 0;
          pending = issue(current, 0);
          continue;
        }
        start = nl + 1;
        skipping = false;
      }
      const lastNl = filled > 0 ? current.lastIndexOf(10, filled - 1) : -1;
      const stopAt = unit.end - base;
      if (stopAt <= start) return;
      let cut = lastNl >= start ? lastNl + 1 : start;
      let done = false;
      if (stopAt <= lastNl) {
        cut = current.indexOf(10, stopAt - 1) + 1;
        done = true;
      }
      if (!done && !atEnd) {
        // The partial line after the last newline starts the next chunk; read the rest behind it.
        const keep = filled - cut;
        if (keep >= spare.length) {
          // A line longer than the buffer: a bigger one of its own (nothing is being read into
          // the old one, so it goes back — a kernel slot kept out would stay out for good).
          buffers.giveBack(spare);
          spare = Buffer.allocUnsafe(Math.max(spare.length * 2, keep + (64 << 10)));
        }
        current.copy(spare, 0, cut, filled);
        pending = issue(spare, keep);
      }
      if (cut > start) onChunk(current, start, cut, false);
      if (done) return;
      if (atEnd) {
        // A last line without newline, if it starts inside the unit.
        if (filled > cut && base + cut < unit.end) onChunk(current, cut, filled, true);
        return;
      }
      base += cut;
      carry = filled - cut;
      [current, spare] = [spare, current];
    }
  } finally {
    // A read may still be under way into a buffer (the handler threw): let it finish, whatever
    // its outcome, before either buffer is handed back.
    await pending.catch(() => undefined);
    buffers.giveBack(current);
    buffers.giveBack(spare);
    await file.close();
  }
}

/**
 * JavaScript read buffers kept for the next unit of this thread. A fresh 4 MB buffer is new
 * memory, and the page faults while the first read fills it cost more (in a VM) than the read
 * itself: 40% of the system time of a full scan before they were kept. A reader takes buffers out
 * and gives them back when done, so concurrent readers never share one; nothing keeps a view of
 * a chunk past the handler (lines are copied out as strings). A buffer grown for a long line is
 * not kept.
 */
const kept: ReadBuffers = (() => {
  const free: Buffer[] = [];
  return {
    take(size: number): Buffer {
      const at = free.findIndex((buffer) => buffer.length === size);
      return at === -1 ? Buffer.allocUnsafe(size) : free.splice(at, 1)[0];
    },
    giveBack(buffer: Buffer): void {
      if (buffer.length === CHUNK_BYTES && free.length < 4) free.push(buffer);
    },
  };
})();

async function readGzip(path: string, onChunk: ChunkHandler): Promise<void> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(
    createGunzip({ chunkSize: 1 << 20 }),
  );
  let buffer: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let carry = 0;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < piece.length) {
        if (carry === buffer.length) buffer = grow(buffer, carry);
        const n = Math.min(piece.length - offset, buffer.length - carry);
        piece.copy(buffer, carry, offset, offset + n);
        offset += n;
        const filled = carry + n;
        const lastNl = buffer.lastIndexOf(10, filled - 1);
        if (lastNl === -1) {
          carry = filled;
          continue;
        }
        onChunk(buffer, 0, lastNl + 1, false);
        buffer.copy(buffer, 0, lastNl + 1, filled);
        carry = filled - lastNl - 1;
      }
    }
  } finally {
    stream.destroy();
  }
  if (carry > 0) onChunk(buffer, 0, carry, true);
}

function grow(buffer: Buffer, used: number): Buffer {
  const bigger = Buffer.allocUnsafe(buffer.length * 2);
  buffer.copy(bigger, 0, 0, used);
  return bigger;
}
