// Reads back what a case wrote: every line of every *.jsonl in the directory (actionlog starts
// size segments `.1.jsonl`, … past 50 MB) must parse as JSON, and there must be exactly as many
// lines as records logged, a tenth of them carrying the error's cause. A logger that loses or
// mangles records must not look fast.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { CAUSE_MESSAGE } from './record.mjs';

const CHUNK = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/** `{ lines, invalid, withCause, files, bytes }` over all `*.jsonl` files directly in `dir`. */
export function verifyDir(dir) {
  const totals = { lines: 0, invalid: 0, withCause: 0, files: 0, bytes: 0 };
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.jsonl')) continue;
    totals.files++;
    scanFile(join(dir, name), totals);
  }
  return totals;
}

// Chunked reading: a whole 700 MB file would not fit in one JavaScript string.
function scanFile(path, totals) {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let carry = Buffer.alloc(0);
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      totals.bytes += n;
      const chunk = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, n)]) : buffer.subarray(0, n);
      let from = 0;
      for (let nl = chunk.indexOf(NEWLINE, from); nl !== -1; nl = chunk.indexOf(NEWLINE, from)) {
        checkLine(chunk.toString('utf8', from, nl), totals);
        from = nl + 1;
      }
      carry = Buffer.from(chunk.subarray(from));
    }
  } finally {
    closeSync(fd);
  }
  // A last line without its newline is a torn write: count it, as invalid.
  if (carry.length > 0) {
    totals.lines++;
    totals.invalid++;
  }
}

function checkLine(line, totals) {
  totals.lines++;
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    totals.invalid++;
    return;
  }
  if (record === null || typeof record !== 'object') totals.invalid++;
  else if (line.includes(CAUSE_MESSAGE)) totals.withCause++;
}
