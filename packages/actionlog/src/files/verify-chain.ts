import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  type ChainAlgorithm,
  GENESIS,
  keyId,
  type LinkHasher,
  linkHasher,
  storedHashAt,
} from './chain-hash.js';
import {
  CHAIN_DIR,
  type ChainManifest,
  type ManifestSegment,
  plainName,
  readManifest,
  recordMac,
} from './chain-manifest.js';
import { type ChainBreak, diagnoseBreak } from './diagnose-break.js';
import { walkSegments } from './segment-pool.js';
import { segmentChunks } from './segment-reader.js';
import { readSegmentTail } from './segment-tail.js';
import { compareSegments, parseSegmentName } from './segments.js';
import { listStreamSegments, type StreamSegment } from './stream-segments.js';
import { type SegmentResult, type SegmentTask, walkSegment } from './walk-segment.js';

export interface VerifyOptions {
  /** The HMAC key of keyed chains (`ACTIONLOG_INTEGRITY_KEY`). */
  key?: Buffer;
  /** Only these segment file names (explicit paths given to `verify`). */
  only?: ReadonlySet<string>;
  /** Bytes on disk verified so far in this stream. */
  onProgress?: (bytes: number) => void;
  /** Check segments on worker threads, one per core (default true; large streams only). */
  parallel?: boolean;
}

export interface StreamReport {
  dir: string;
  ok: boolean;
  algorithm: ChainAlgorithm;
  /** Chained records checked. */
  records: number;
  segments: number;
  compressedSegments: number;
  /** Bytes on disk of the segments checked. */
  bytes: number;
  /** Lines cut short by a crash (not part of the chain). */
  tornLines: number;
  /** Things worth knowing that do not break the chain. */
  notes: string[];
  /** The first break, when not ok. */
  break?: ChainBreak;
}

/** The chain cannot be checked as asked (no key, wrong key): a usage problem, not a broken chain. */
export class VerifyUsageError extends Error {}

/**
 * Stream directories under `root` (itself and its direct subdirectories) that carry a hash
 * chain: those with `.chain/` records, or whose newest segment ends in chained records.
 */
export function findChainedStreams(root: string): string[] {
  const candidates = [root];
  try {
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) candidates.push(join(root, entry.name));
    }
  } catch {
    return [];
  }
  return candidates.filter(isChainedStream);
}

/** Whether `dir` carries a hash chain: `.chain/` records, or a newest segment that ends in chained records. */
export function isChainedStream(dir: string): boolean {
  if (existsSync(join(dir, CHAIN_DIR))) return true;
  const newest = listStreamSegments(dir).at(-1);
  if (newest === undefined) return false;
  try {
    return readSegmentTail(newest.path, newest.compressed).lastHash !== undefined;
  } catch {
    return false;
  }
}

interface Found {
  segment: string;
  line: number;
  brk: ChainBreak;
}

/**
 * Checks every link of a chained stream: each segment's records in order (plain and `.gz`),
 * each segment's first record against the record it follows (`.chain/`), record counts against
 * the writer's checkpoints, and segments the records name against the disk. Reports the first
 * break in write order.
 */
export async function verifyStream(dir: string, options: VerifyOptions = {}): Promise<StreamReport> {
  const notes: string[] = [];
  const found: Found[] = [];
  // Records first: a writer only checkpoints records already on disk, so segments read after
  // them hold at least what they count.
  let manifest = readManifest(dir);
  const entries = manifest ? [...manifest.segments.values()] : [];
  const keyed = entries.some((entry) => entry.alg === 'hmac-sha256');
  const ourKeyId = options.key === undefined ? undefined : keyId(options.key);
  checkKey(dir, entries, keyed, options.key, ourKeyId);
  if (manifest === undefined)
    notes.push('no .chain/ records: links between segments and record counts are not checked');
  for (const bad of manifest?.invalid ?? []) {
    const segment = basename(bad.file, '.json');
    found.push({
      segment,
      line: 0,
      brk: {
        file: bad.file,
        line: 0,
        reason: 'manifest',
        detail: `${basename(bad.file)} is invalid (${bad.reason})`,
      },
    });
  }

  const all = listStreamSegments(dir);
  const recorded = manifest?.segments;
  let firstRecorded = recorded ? all.findIndex((s) => recorded.has(plainName(s.name))) : 0;
  if (firstRecorded === -1 && all.length > 0) {
    // Records exist, none for a segment on disk: checked as one chain, and said loudly.
    notes.push(
      'no segment on disk has a .chain/ record (were they deleted?): checked as one chain in name order',
    );
    manifest = undefined;
    firstRecorded = 0;
  }
  const chained = firstRecorded === -1 ? [] : all.slice(firstRecorded);
  if (firstRecorded > 0)
    notes.push(`${firstRecorded} older segment(s) were written before integrity was on; not checked`);
  const selected = options.only ? chained.filter((s) => options.only!.has(s.name)) : chained;
  const present = new Map(chained.map((s) => [plainName(s.name), s]));

  const hashers = new Map<ChainAlgorithm, LinkHasher>();
  const hasherFor = (alg: ChainAlgorithm): LinkHasher => {
    let hasher = hashers.get(alg);
    if (hasher === undefined)
      hashers.set(alg, (hasher = linkHasher(alg === 'hmac-sha256' ? options.key : undefined)));
    return hasher;
  };
  // Without records, a key given means the chain is keyed.
  const defaultAlg: ChainAlgorithm =
    keyed || (manifest === undefined && options.key !== undefined) ? 'hmac-sha256' : 'sha256';

  const report: StreamReport = {
    dir,
    ok: true,
    algorithm: keyed || defaultAlg === 'hmac-sha256' ? 'hmac-sha256' : 'sha256',
    records: 0,
    segments: 0,
    compressedSegments: 0,
    bytes: 0,
    tornLines: 0,
    notes,
  };
  // A segment whose protection is not the stream's is a break; nothing after it is walked.
  let walked = selected;
  for (const [i, segment] of selected.entries()) {
    const protection = protectionBreak(
      manifest?.segments.get(plainName(segment.name)),
      manifest,
      keyed,
      options.key,
      ourKeyId,
    );
    if (protection !== undefined) {
      found.push({
        segment: plainName(segment.name),
        line: protection.line,
        brk: { ...protection, file: segment.path },
      });
      walked = selected.slice(0, i);
      break;
    }
  }
  const tasks: SegmentTask[] = walked.map((segment) => {
    const entry = manifest?.segments.get(plainName(segment.name));
    const task: SegmentTask = {
      path: segment.path,
      compressed: segment.compressed,
      alg: entry?.alg ?? defaultAlg,
      key: options.key,
      prev: entry?.prev,
      start: entry?.start ?? 0,
    };
    if (entry?.records !== undefined && entry.last !== undefined) {
      task.checkpoint = { records: entry.records, last: entry.last };
    }
    return task;
  });
  const sizes = walked.map((segment) => segment.size);
  let done = 0;
  const results =
    manifest === undefined
      ? walkInNameOrder(tasks)
      : walkSegments(tasks, {
          parallel: options.parallel !== false && sizes.reduce((a, b) => a + b, 0) >= PARALLEL_MIN_BYTES,
          onDone: (index) => options.onProgress?.((done += sizes[index])),
          onBytes: (_, bytes) => options.onProgress?.(done + bytes),
        });

  const lastHash = new Map<string, string | undefined>();
  let torn = 0;
  let index = 0;
  for await (const result of results) {
    const segment = walked[index];
    const task = tasks[index++];
    const name = plainName(segment.name);
    const entry = manifest?.segments.get(name);
    report.segments++;
    if (segment.compressed) report.compressedSegments++;
    report.bytes += segment.size;
    report.records += result.records;
    torn += result.torn;
    if (result.failure !== undefined) {
      found.push({
        segment: name,
        line: result.failure.line,
        brk: await diagnoseBreak({
          file: segment.path,
          compressed: segment.compressed,
          failure: result.failure,
          prev: result.prevAtFailure ?? GENESIS,
          hasher: hasherFor(task.alg),
          entry,
        }),
      });
      break;
    }
    lastHash.set(name, result.lastHash);
    const checkpoint = task.checkpoint;
    if (checkpoint !== undefined && result.records < checkpoint.records) {
      const missing = checkpoint.records - result.records;
      // A cut mid-line leaves a torn last line: that is where the cut is, not a crash to mention.
      const line = result.tornAtEnd ? result.lines : result.lines + 1;
      if (result.tornAtEnd) torn--;
      found.push({
        segment: name,
        line,
        brk: {
          file: segment.path,
          line,
          reason: 'truncated',
          detail:
            `${segment.name} ends after ${result.records} records, but the writer counted ${checkpoint.records} ` +
            `(ending in hash ${checkpoint.last.slice(0, 12)}…): the last ${missing} ${missing === 1 ? 'was' : 'were'} cut off`,
        },
      });
      break;
    }
    if (result.tornAtEnd) {
      torn--;
      report.tornLines++;
      notes.push(
        segment === chained.at(-1)
          ? `the last line of ${segment.name} is incomplete (still being written, or cut by a crash); not counted`
          : `${segment.name} ends in an incomplete line (cut by a crash); not counted`,
      );
    }
  }
  report.tornLines += torn;
  if (torn > 0) {
    notes.push(`${torn} incomplete line(s) left by crashes were skipped; the chain continues past them`);
  }

  if (manifest !== undefined) {
    await checkLinks(manifest, selected, present, lastHash, found, notes);
    if (options.only === undefined) missingSegments(dir, manifest, present, found, notes);
  }
  found.sort((a, b) => compareNames(a.segment, b.segment) || a.line - b.line);
  report.break = found[0]?.brk;
  report.ok = report.break === undefined;
  return report;
}

/** Below this, starting worker threads costs more than it saves. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

/** Without chain records, segments are taken as one chain in name order: the single-writer case. */
async function* walkInNameOrder(tasks: SegmentTask[]): AsyncGenerator<SegmentResult> {
  let prev: string | undefined;
  for (const task of tasks) {
    const result = await walkSegment({ ...task, prev });
    if (result.records > 0) prev = result.lastHash;
    yield result;
  }
}

function checkKey(
  dir: string,
  entries: ManifestSegment[],
  keyed: boolean,
  key: Buffer | undefined,
  ourKeyId: string | undefined,
): void {
  if (!keyed) return;
  if (key === undefined) {
    throw new VerifyUsageError(
      `${dir} is chained with an HMAC key: set ACTIONLOG_INTEGRITY_KEY to the key it was written with`,
    );
  }
  const ids = new Set(entries.flatMap((entry) => (entry.keyId ? [entry.keyId] : [])));
  if (!ids.has(ourKeyId!)) {
    throw new VerifyUsageError(
      `ACTIONLOG_INTEGRITY_KEY is not the key ${dir} was written with (key id ${ourKeyId}; the chain uses ${[...ids].join(', ')})`,
    );
  }
}

/** A segment whose protection is not what the stream's is: a MAC that fails, another key, or none. */
function protectionBreak(
  entry: ManifestSegment | undefined,
  manifest: ChainManifest | undefined,
  keyed: boolean,
  key: Buffer | undefined,
  ourKeyId: string | undefined,
): Omit<ChainBreak, 'file'> | undefined {
  if (entry === undefined || !keyed || key === undefined) return undefined;
  if (entry.alg === 'sha256') {
    const follows = entry.follows ? manifest?.segments.get(entry.follows) : undefined;
    if (follows?.alg === 'hmac-sha256') {
      return {
        line: 1,
        reason: 'key-changed',
        detail: `${entry.name} continues the chain without the HMAC key: from here on, records are not protected by it`,
      };
    }
    return undefined;
  }
  if (entry.keyId !== ourKeyId) {
    return {
      line: 1,
      reason: 'key-changed',
      detail: `${entry.name} was written with another key (id ${entry.keyId}) and cannot be checked with this one`,
    };
  }
  if (entry.mac === undefined || entry.mac !== recordMac(entry, key)) {
    return {
      line: 0,
      reason: 'manifest',
      detail: `the chain record of ${entry.name} (.chain/${entry.name}.json) was edited: its MAC ${entry.mac === undefined ? 'was removed' : 'does not match the key'}`,
    };
  }
  return undefined;
}

/** Each walked segment's first record must link to a record of the segment it follows. */
async function checkLinks(
  manifest: ChainManifest,
  walked: StreamSegment[],
  present: Map<string, StreamSegment>,
  lastHash: Map<string, string | undefined>,
  found: Found[],
  notes: string[],
): Promise<void> {
  const unchecked: string[] = [];
  for (const segment of walked) {
    const name = plainName(segment.name);
    if (!lastHash.has(name)) continue; // not walked to its end: its own break comes first
    const entry = manifest.segments.get(name);
    if (entry === undefined || entry.prev === undefined) {
      unchecked.push(segment.name);
      continue;
    }
    if (entry.prev === GENESIS) continue;
    const followed = entry.follows;
    if (followed === undefined) {
      unchecked.push(segment.name);
      continue;
    }
    const link = (reason: ChainBreak['reason'], detail: string): void => {
      found.push({ segment: name, line: 1, brk: { file: segment.path, line: 1, reason, detail } });
    };
    const target = present.get(followed);
    if (target === undefined) {
      if (manifest.segments.get(followed)?.removed === undefined) {
        link(
          'segment-missing',
          `${followed} is missing: ${segment.name} links to its records, and retention did not remove it`,
        );
      }
      continue;
    }
    if (!lastHash.has(followed)) continue; // not walked (not selected, or after a break)
    if (lastHash.get(followed) === entry.prev) continue;
    // Writers side by side fork from a record in the middle of another's segment.
    if (await segmentHoldsHash(target, entry.prev)) continue;
    link(
      'deleted',
      `${segment.name} links to a record of ${followed} (hash ${entry.prev.slice(0, 12)}…) that ${followed} ` +
        'no longer holds: records of it were removed',
    );
  }
  if (unchecked.length > 0) {
    notes.push(
      `the link into ${unchecked.join(', ')} is not checked: where ${unchecked.length === 1 ? 'its' : 'their'} chain began is unknown`,
    );
  }
}

/**
 * Segments with records that are not on disk: retention marks what it removes, so one without
 * the mark was deleted some other way, oldest or newest alike.
 */
function missingSegments(
  dir: string,
  manifest: ChainManifest,
  present: Map<string, StreamSegment>,
  found: Found[],
  notes: string[],
): void {
  const pruned: string[] = [];
  for (const [name, record] of [...manifest.segments].sort(([a], [b]) => compareNames(a, b))) {
    if (present.has(name)) continue;
    if (record.removed !== undefined) {
      pruned.push(name);
      continue;
    }
    found.push({
      segment: name,
      line: 0,
      brk: {
        file: join(dir, name),
        line: 0,
        reason: 'segment-missing',
        detail: `${name} has a chain record in .chain/ but is not on disk, and retention did not remove it: it was deleted`,
      },
    });
  }
  if (pruned.length > 0) {
    notes.push(
      `${pruned.length} older segment(s) were removed by retention ` +
        `(${pruned[0]}${pruned.length > 1 ? ` … ${pruned.at(-1)}` : ''})`,
    );
  }
}

async function segmentHoldsHash(segment: StreamSegment, hash: string): Promise<boolean> {
  let carry: Buffer | undefined;
  for await (const chunk of segmentChunks(segment.path, segment.compressed)) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      if (storedHashAt(buf, start, nl) === hash) return true;
      start = nl + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
  }
  return false;
}

function compareNames(a: string, b: string): number {
  const left = parseSegmentName(a);
  const right = parseSegmentName(b);
  if (left === undefined || right === undefined) return a < b ? -1 : a > b ? 1 : 0;
  return compareSegments(left, right);
}
