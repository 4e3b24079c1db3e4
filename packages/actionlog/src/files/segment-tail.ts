import { closeSync, createReadStream, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { storedHashAt } from './chain-hash.js';

export interface SegmentTail {
  /** Bytes in the (decompressed) segment. */
  size: number;
  /** `hash` of the last complete chained line; undefined when none was found. */
  lastHash: string | undefined;
}

const FIRST_WINDOW = 64 * 1024;
/** How far back to look past unchained lines before concluding the segment is not chained. */
const DEFAULT_SCAN_LIMIT = 1024 * 1024;

/**
 * The hash of the last chained record of a segment, read from its end: how a restarted writer
 * continues the chain. A torn last line (no newline) is skipped, like any line without a hash.
 */
export function readSegmentTail(
  path: string,
  compressed: boolean,
  scanLimit = DEFAULT_SCAN_LIMIT,
): SegmentTail {
  if (compressed) {
    const data = gunzipSync(readFileSync(path));
    return { size: data.length, lastHash: lastHashIn(data, 0, data.length, true) };
  }
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let window = Math.min(size, FIRST_WINDOW);
    for (;;) {
      const from = size - window;
      const buf = Buffer.allocUnsafe(window);
      let read = 0;
      while (read < window) {
        const n = readSync(fd, buf, read, window - read, from + read);
        if (n === 0) break;
        read += n;
      }
      const hash = lastHashIn(buf, 0, read, from === 0);
      if (hash !== undefined || from === 0 || window >= scanLimit) return { size, lastHash: hash };
      window = Math.min(size, window * 4, scanLimit);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Last complete line in `buf[from, to)` that carries a hash. `startsAtLine` says whether `from`
 * is the start of a line (otherwise the first, partial line is ignored).
 */
function lastHashIn(buf: Buffer, from: number, to: number, startsAtLine: boolean): string | undefined {
  if (to <= from) return undefined;
  let end = buf.lastIndexOf(0x0a, to - 1);
  while (end >= from) {
    const before = end > from ? buf.lastIndexOf(0x0a, end - 1) : -1;
    const start = before >= from ? before + 1 : from;
    if (before < from && !startsAtLine) return undefined;
    const hash = storedHashAt(buf, start, end);
    if (hash !== undefined) return hash;
    end = before;
  }
  return undefined;
}

/**
 * Chained lines in bytes `[from, to)` of a plain segment, counted off the main thread's hot
 * path: the record count of a segment a restarted writer continues. `consistentWith` is the
 * segment's last checkpoint: `consistent` says whether record number `records` still has hash
 * `last`, i.e. nothing before it was cut or changed while no process was writing.
 */
export async function countChainedLines(
  path: string,
  from: number,
  to: number,
  consistentWith?: { records: number; last: string },
): Promise<{ count: number; consistent: boolean }> {
  let count = 0;
  let consistent = consistentWith === undefined;
  if (to <= from) return { count, consistent: consistent || consistentWith?.records === 0 };
  let carry: Buffer | undefined;
  const stream = createReadStream(path, { start: from, end: to - 1, highWaterMark: 1024 * 1024 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      const hash = storedHashAt(buf, start, nl);
      if (hash !== undefined && ++count === consistentWith?.records)
        consistent = hash === consistentWith.last;
      start = nl + 1;
    }
    carry = start < buf.length ? buf.subarray(start) : undefined;
  }
  return { count, consistent };
}
