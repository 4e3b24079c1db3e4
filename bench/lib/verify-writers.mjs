// Reads back what several writer processes logged into one place (one actionlog directory, or
// one file every process appended to) and checks that every record each of them logged is there
// exactly once and whole. Each record carries `data.writer` (the pid of the process that logged
// it) and `data.i` (0 … records-1 within that process), so a record can be told from every other.
//
// Counted: lines (every newline-terminated line, plus an unterminated last line), torn lines (not
// a JSON object, including empty lines, NUL-filled holes and a last line without its newline),
// foreign lines (valid JSON but no writer/i this run handed out: a tear that happened to parse),
// duplicates, and per writer the records found. A logger that loses, doubles or tears records must
// not look fast.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { CAUSE_MESSAGE, isErrorRecord } from './record.mjs';

const CHUNK = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * `dir`: where the writers wrote; every `*.jsonl` in it and in its sub-directories is read
 * (actionlog's `.writers/` claims are not log files and are skipped, as is every dot-directory).
 * `writers`: the pids of the writer processes; each logged `records` records.
 */
export function verifyWriters(dir, writers, records) {
  const seen = new Map(writers.map((pid) => [pid, new Uint8Array(records)]));
  const totals = {
    files: 0,
    bytes: 0,
    lines: 0,
    torn: 0,
    foreign: 0,
    duplicates: 0,
    found: 0,
    expected: writers.length * records,
    // Every tenth record carries an Error with a cause: the cause must have reached the file.
    errorsWithoutCause: 0,
    otherFiles: [],
    perWriter: [],
  };
  const onLine = (line) => checkLine(line, totals, seen, records);
  for (const path of logFiles(dir, totals.otherFiles)) {
    totals.files++;
    scanFile(path, totals, onLine);
  }
  for (const [pid, marks] of seen) {
    let found = 0;
    for (const mark of marks) if (mark) found++;
    totals.perWriter.push({ pid, found, expected: records });
    totals.found += found;
  }
  return totals;
}

/** A description of what is wrong, or undefined when every record is there once and whole. */
export function describeProblem(found) {
  const wrong = [];
  const missing = found.expected - found.found;
  if (missing > 0)
    wrong.push(
      `${fmt(missing)} of ${fmt(found.expected)} records lost (${((100 * missing) / found.expected).toFixed(2)}%)`,
    );
  if (found.torn > 0) wrong.push(`${fmt(found.torn)} torn lines`);
  if (found.duplicates > 0) wrong.push(`${fmt(found.duplicates)} records twice`);
  if (found.foreign > 0) wrong.push(`${fmt(found.foreign)} lines from no writer`);
  if (found.errorsWithoutCause > 0) wrong.push(`${fmt(found.errorsWithoutCause)} errors without their cause`);
  return wrong.length === 0 ? undefined : wrong.join(', ');
}

function logFiles(dir, otherFiles) {
  const paths = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.')) paths.push(...logFiles(path, otherFiles));
    } else if (entry.name.endsWith('.jsonl')) paths.push(path);
    // A gzipped or otherwise renamed segment would hold records this check cannot see: name it.
    else otherFiles.push(path);
  }
  return paths.sort();
}

// Chunked reading: a whole 600 MB file would not fit in one JavaScript string.
function scanFile(path, totals, onLine) {
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
        onLine(chunk.toString('utf8', from, nl));
        from = nl + 1;
      }
      carry = Buffer.from(chunk.subarray(from));
    }
  } finally {
    closeSync(fd);
  }
  // A last line without its newline is a torn write.
  if (carry.length > 0) {
    totals.lines++;
    totals.torn++;
  }
}

function checkLine(line, totals, seen, records) {
  totals.lines++;
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    totals.torn++;
    return;
  }
  if (record === null || typeof record !== 'object') {
    totals.torn++;
    return;
  }
  const writer = record.data?.writer;
  const i = record.data?.i;
  const marks = seen.get(writer);
  if (marks === undefined || !Number.isInteger(i) || i < 0 || i >= records) {
    totals.foreign++;
    return;
  }
  if (marks[i]) {
    totals.duplicates++;
    return;
  }
  marks[i] = 1;
  // The cause's message is in every library's output of an error record (lib/record.mjs).
  if (isErrorRecord(i) && !line.includes(CAUSE_MESSAGE)) totals.errorsWithoutCause++;
}

function fmt(n) {
  return n.toLocaleString('en-US');
}
