import { createHmac } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { type ChainAlgorithm, isHashHex, keyId } from './chain-hash.js';
import { DIR_MODE, FILE_MODE } from './modes.js';
import { syncDirectory } from './sync-directory.js';

/**
 * `{stream dir}/.chain/`: one small JSON record per chained segment, `{segment}.json`. One file
 * per segment because several processes may write one stream directory, each into a segment it
 * has claimed (segment-claim.ts): a segment's record is only ever written by its claimant, so
 * records never need a lock and are never lost to a concurrent update.
 */
export const CHAIN_DIR = '.chain';

/**
 * What the writer knows about one chained segment. Verification never trusts it over the records
 * themselves; it says where each segment's chain starts and what it links to, and lets a break be
 * named (deleted vs edited, truncated, segment missing).
 */
export interface ManifestSegment {
  /** Segment file name as first written (`.jsonl`; its `.jsonl.gz` form is the same segment). */
  name: string;
  alg: ChainAlgorithm;
  /** Which key an HMAC chain was written with (chain-hash.ts `keyId`). */
  keyId?: string;
  /** The `prev` of the segment's first chained record (GENESIS for a new chain); absent when unknown. */
  prev?: string;
  /** The segment holding the record `prev` names: usually the last record of the one before. */
  follows?: string;
  /** Byte offset of the first chained record, when the segment began with lines written unchained. */
  start?: number;
  /** Chained records in the segment at the last checkpoint, and the hash of the last of them. */
  records?: number;
  last?: string;
  /** Set by retention just before it deletes the segment: a segment gone without this was deleted by hand. */
  removed?: { at: string; reason: 'age' | 'size' };
  /** HMAC of the rest with the chain key, so a keyed chain's records cannot be edited without it either. */
  mac?: string;
}

export interface ChainManifest {
  /** By segment name (plain `.jsonl` form). */
  segments: Map<string, ManifestSegment>;
  /** Record files that could not be used, with why. */
  invalid: Array<{ file: string; reason: string }>;
}

/** The records of a stream, or undefined when it has no `.chain/` directory. */
export function readManifest(dir: string): ChainManifest | undefined {
  let names: string[];
  try {
    names = readdirSync(join(dir, CHAIN_DIR));
  } catch {
    return undefined;
  }
  const manifest: ChainManifest = { segments: new Map(), invalid: [] };
  for (const file of names) {
    if (!file.endsWith('.jsonl.json')) continue;
    const read = readSegmentRecord(dir, file.slice(0, -'.json'.length));
    if (read === undefined) continue;
    if (typeof read === 'string') manifest.invalid.push({ file: join(dir, CHAIN_DIR, file), reason: read });
    else manifest.segments.set(read.name, read);
  }
  return manifest;
}

/** One segment's record; undefined when there is none, a string saying why when it is unusable. */
export function readSegmentRecord(dir: string, segmentName: string): ManifestSegment | string | undefined {
  const name = plainName(segmentName);
  let text: string;
  try {
    text = readFileSync(recordPath(dir, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `cannot read it (${(error as Error).message})`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  const problem = recordProblem(value, name);
  return problem ?? (value as ManifestSegment);
}

function recordProblem(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const record = value as Partial<ManifestSegment>;
  if (record.name !== name) return `names segment ${JSON.stringify(record.name)}, not ${name}`;
  if (record.alg !== 'sha256' && record.alg !== 'hmac-sha256')
    return `unknown alg ${JSON.stringify(record.alg)}`;
  for (const field of ['prev', 'last'] as const) {
    const hash = record[field];
    if (hash !== undefined && (typeof hash !== 'string' || !isHashHex(hash))) {
      return `"${field}" is not a SHA-256 hex digest`;
    }
  }
  for (const field of ['start', 'records'] as const) {
    const count = record[field];
    if (count !== undefined && (!Number.isInteger(count) || (count as number) < 0)) {
      return `"${field}" is not a whole number`;
    }
  }
  return undefined;
}

/** HMAC over every field but `mac`, in the order written. */
export function recordMac(record: ManifestSegment, key: Buffer): string {
  const { mac: _mac, ...fields } = record;
  return createHmac('sha256', key)
    .update('actionlog-chain-record\n')
    .update(JSON.stringify(fields))
    .digest('hex');
}

/**
 * Replaces a segment's record atomically (temp file, fsync, rename, fsync of the directory): a
 * crash leaves the old record or the new one.
 */
export function writeSegmentRecord(dir: string, record: ManifestSegment, key: Buffer | undefined): void {
  const { mac: _mac, ...fields } = record;
  const body: ManifestSegment = key === undefined ? fields : { ...fields, mac: recordMac(fields, key) };
  const chainDir = join(dir, CHAIN_DIR);
  mkdirSync(chainDir, { recursive: true, mode: DIR_MODE });
  const path = recordPath(dir, record.name);
  const temp = `${path}.${process.pid}-${threadId}.tmp`;
  const fd = openSync(temp, 'w', FILE_MODE);
  try {
    writeSync(fd, JSON.stringify(body) + '\n');
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  syncDirectory(chainDir);
}

function recordPath(dir: string, name: string): string {
  return join(dir, CHAIN_DIR, `${name}.json`);
}

/** `2026-11-23.1.jsonl.gz` → `2026-11-23.1.jsonl` */
export function plainName(segmentName: string): string {
  return segmentName.endsWith('.gz') ? segmentName.slice(0, -3) : segmentName;
}

/**
 * Marks a chained segment's record as removed by retention, before the segment is deleted, so
 * verify can tell retention from tampering. A keyed record can only be marked with its key.
 * Returns why it cannot be marked, or undefined when it is (or when the segment has no record);
 * with `write` false it only checks.
 */
export function markRemoved(
  dir: string,
  segmentName: string,
  removed: NonNullable<ManifestSegment['removed']>,
  key: Buffer | undefined,
  write = true,
): string | undefined {
  const record = readSegmentRecord(dir, segmentName);
  if (record === undefined) return undefined;
  if (typeof record === 'string') return `its chain record is invalid (${record})`;
  if (record.alg === 'hmac-sha256' && (key === undefined || keyId(key) !== record.keyId)) {
    return 'it is HMAC-chained: set ACTIONLOG_INTEGRITY_KEY to the key it was written with, so its removal can be recorded';
  }
  if (write) writeSegmentRecord(dir, { ...record, removed }, key);
  return undefined;
}
