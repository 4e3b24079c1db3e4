import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

/** A piece of work: a byte range of a plain segment, or a whole gzipped one. */
export interface Unit {
  id: number;
  /** Position in the output order (units are numbered in the order their rows come out). */
  order: number;
  path: string;
  compressed: boolean;
  /** Lines starting in [start, end) belong to the unit (plain segments). */
  start: number;
  end: number;
  /** The file's size when the query was planned: a file still being written is read up to it. */
  size: number;
}

/**
 * Receives complete lines: `buffer[start, end)` ends just after a newline. The last call may
 * have `final` set: a last line without newline.
 */
export type ChunkHandler = (buffer: Buffer, start: number, end: number, final: boolean) => void;

const CHUNK_BYTES = 4 << 20;

export async function readUnit(unit: Unit, onChunk: ChunkHandler): Promise<void> {
  if (unit.compressed) await readGzip(unit.path, onChunk);
  else await readPlain(unit, onChunk);
}

async function readPlain(unit: Unit, onChunk: ChunkHandler): Promise<void> {
  if (unit.end <= unit.start) return;
  const file = await open(unit.path, 'r');
  try {
    let buffer: Buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(64 << 10, unit.end - unit.start + 1)));
    // Unless the unit starts the file, its first (partial) line belongs to the unit before.
    let position = unit.start > 0 ? unit.start - 1 : 0;
    let skipping = unit.start > 0;
    let base = position;
    let carry = 0;
    for (;;) {
      if (carry === buffer.length) buffer = grow(buffer, carry);
      const want = Math.min(buffer.length - carry, unit.size - position);
      const { bytesRead } = want > 0 ? await file.read(buffer, carry, want, position) : { bytesRead: 0 };
      position += bytesRead;
      const filled = carry + bytesRead;
      const atEnd = bytesRead === 0;
      let start = 0;
      if (skipping) {
        const nl = buffer.indexOf(10);
        if (nl === -1 || nl >= filled) {
          if (atEnd) return;
          base += filled;
          carry = 0;
          continue;
        }
        start = nl + 1;
        skipping = false;
      }
      if (atEnd) {
        // A last line without newline, if it starts inside the unit.
        if (filled > start && base + start < unit.end) onChunk(buffer, start, filled, true);
        return;
      }
      const lastNl = buffer.lastIndexOf(10, filled - 1);
      if (lastNl >= start) {
        const stopAt = unit.end - base;
        let cut = lastNl + 1;
        let done = false;
        if (stopAt <= start) {
          return;
        }
        if (stopAt <= lastNl) {
          cut = buffer.indexOf(10, stopAt - 1) + 1;
          done = true;
        }
        onChunk(buffer, start, cut, false);
        if (done) return;
        start = lastNl + 1;
      }
      // Keep the partial line for the next read.
      buffer.copy(buffer, 0, start, filled);
      base += start;
      carry = filled - start;
    }
  } finally {
    await file.close();
  }
}

async function readGzip(path: string, onChunk: ChunkHandler): Promise<void> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }));
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
