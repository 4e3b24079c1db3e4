import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip, type Gunzip } from 'node:zlib';

const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The bytes of a segment (decompressed when `.gz`) as chunks, for callers that split lines
 * themselves. A chunk is valid until the next one is requested: copy what must outlive it.
 */
export async function* segmentChunks(path: string, compressed: boolean): AsyncGenerator<Buffer> {
  if (compressed) {
    yield* gunzipStream(path) as AsyncIterable<Buffer>;
    return;
  }
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** Whole lines of a segment, each without its newline, and the torn remainder if the last line has none. */
export async function readSegmentLines(
  path: string,
  compressed: boolean,
): Promise<{ lines: Buffer[]; torn: Buffer | undefined }> {
  const parts: Buffer[] = [];
  for await (const chunk of segmentChunks(path, compressed)) parts.push(Buffer.from(chunk));
  const all = Buffer.concat(parts);
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = all.indexOf(0x0a); nl !== -1; nl = all.indexOf(0x0a, start)) {
    lines.push(all.subarray(start, nl));
    start = nl + 1;
  }
  return { lines, torn: start < all.length ? all.subarray(start) : undefined };
}

/** The decompressed bytes of a `.gz` file; a read error (file gone, unreadable) ends the stream with it. */
export function gunzipStream(path: string): Gunzip {
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
  file.on('error', (error) => gunzip.destroy(error));
  return file.pipe(gunzip);
}
