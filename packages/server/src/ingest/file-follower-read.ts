import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip, type Gunzip } from 'node:zlib';

/** The identity of a segment is a digest of its first line, or of this many bytes when the line is longer. */
export const IDENTITY_BYTES = 4096;

/**
 * A segment's identity from its first bytes (`head`, from byte 0): what tells it from another
 * file of the same name, and what survives its compression (the `.gz` holds the same bytes).
 * Undefined while the first line is still incomplete and shorter than IDENTITY_BYTES, unless
 * `whole` says nothing more will come (the end of a `.gz`).
 */
export function identityOf(head: Buffer, whole = false): string | undefined {
  const newline = head.indexOf(0x0a);
  let end: number;
  if (newline !== -1 && newline < IDENTITY_BYTES) end = newline + 1;
  else if (head.length >= IDENTITY_BYTES) end = IDENTITY_BYTES;
  else if (whole) end = head.length;
  else return undefined;
  return createHash('sha256').update(head.subarray(0, end)).digest('hex').slice(0, 32);
}

/**
 * Up to `length` bytes of `path` from `position` (fewer at its end); undefined when the file is
 * gone (removed by retention, or renamed by compression between the listing and the read).
 */
export function readAt(path: string, position: number, length: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, position + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/**
 * The position of the first newline at or after `from` in `path`, scanning without holding more
 * than a chunk; -1 when there is none yet.
 */
export function nextNewline(path: string, from: number, chunkBytes = 1 << 20): number {
  for (let at = from; ; at += chunkBytes) {
    const chunk = readAt(path, at, chunkBytes);
    if (chunk === undefined || chunk.length === 0) return -1;
    const newline = chunk.indexOf(0x0a);
    if (newline !== -1) return at + newline;
    if (chunk.length < chunkBytes) return -1;
  }
}

/** The decompressed bytes of a `.gz` (all its members); a read error ends the stream with it. */
export function inflate(path: string): Gunzip {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  file.on('error', (error) => gunzip.destroy(error));
  gunzip.on('close', () => file.destroy());
  return file.pipe(gunzip);
}

/**
 * The first bytes of a `.gz`, enough for identityOf (inflating only its beginning), and whether
 * they are all it holds. Undefined when the file is gone.
 */
export async function inflatedHead(path: string): Promise<{ head: Buffer; whole: boolean } | undefined> {
  const parts: Buffer[] = [];
  let bytes = 0;
  const stream = inflate(path);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      bytes += chunk.length;
      const head = Buffer.concat(parts, bytes);
      if (identityOf(head) !== undefined) return { head, whole: false };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  } finally {
    stream.destroy();
  }
  return { head: Buffer.concat(parts, bytes), whole: true };
}

/** The offset just past the last newline before `size` (0 when none in the last `window` bytes). */
export function lastLineEnd(path: string, size: number, window = 1 << 20): number {
  const from = Math.max(0, size - window);
  const tail = readAt(path, from, size - from);
  if (tail === undefined) return 0;
  const newline = tail.lastIndexOf(0x0a);
  return newline === -1 ? 0 : from + newline + 1;
}
