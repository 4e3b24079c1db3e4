import { basename } from 'node:path';
import { GENESIS, HASH_SUFFIX_LENGTH, type LinkHasher, storedHashAt } from './chain-hash.js';
import type { ManifestSegment } from './chain-manifest.js';
import type { WalkFailure } from './chain-walker.js';
import { isWholeRecord } from './chain-walker.js';
import { readSegmentLines } from './segment-reader.js';

export type BreakReason =
  | 'edited'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'truncated'
  | 'segment-missing'
  | 'rewritten'
  | 'key-changed'
  | 'manifest';

export interface ChainBreak {
  /** The segment (or manifest) file. */
  file: string;
  /** 1-based line in the (decompressed) file; 0 when the problem is the file as a whole. */
  line: number;
  reason: BreakReason;
  detail: string;
}

export interface BreakContext {
  file: string;
  compressed: boolean;
  failure: WalkFailure;
  /** The `prev` the failing line should have linked to. */
  prev: string;
  hasher: LinkHasher;
  entry: ManifestSegment | undefined;
}

/** How far around a broken line to look for the record that belongs there. */
const SEARCH_WINDOW = 2000;

/**
 * Names the first break the walker found. Only reached on failure, so it may read the whole
 * segment and hash freely. Each reason is the only explanation that fits what the hashes show;
 * where two fit (an edited record, or a deleted one before it), the manifest's record count
 * decides, and the text says so when there is no count to decide by.
 */
export async function diagnoseBreak(context: BreakContext): Promise<ChainBreak> {
  const { failure, prev, hasher, file } = context;
  const { lines } = await readSegmentLines(file, context.compressed);
  const i = failure.line - 1;
  const L = failure.line;
  const name = basename(file);
  const stored = (j: number): string | undefined =>
    j >= 0 && j < lines.length ? storedHashAt(lines[j], 0, lines[j].length) : undefined;
  const follows = (j: number, link: string): boolean => {
    const hash = stored(j);
    return hash !== undefined && hasher(linked(link, lines[j])) === hash;
  };
  const at = (reason: BreakReason, detail: string, line = L): ChainBreak => ({ file, line, reason, detail });

  if (failure.kind === 'checkpoint') {
    return at(
      'rewritten',
      `the chain holds, but record ${L} of ${name} is not the one the writer last counted ` +
        `(${context.entry?.records} records ending in ${short(context.entry?.last)}): ` +
        'records before it were changed and the hashes recomputed, or the file was cut and written on',
    );
  }
  if (failure.kind === 'unchained') {
    return follows(i + 1, prev)
      ? at(
          'inserted',
          `line ${L} is a record without a hash that is not part of the chain (line ${L + 1} follows line ${L - 1})`,
        )
      : at('edited', `line ${L} is a record whose hash was removed`);
  }

  if (follows(i + 1, prev)) {
    const after = stored(i + 1);
    if (after !== undefined && follows(i, after)) {
      return at('reordered', `lines ${L} and ${L + 1} are swapped`);
    }
    return at('inserted', `line ${L} is not part of the chain: line ${L + 1} follows line ${L - 1}`);
  }
  for (let k = i + 2; k < Math.min(lines.length, i + SEARCH_WINDOW); k++) {
    if (follows(k, prev)) return at('reordered', `line ${k + 1} belongs at line ${L}: records were moved`);
  }
  for (let j = Math.max(0, i - SEARCH_WINDOW); j < Math.min(lines.length, i + SEARCH_WINDOW); j++) {
    if (j === i - 1 || j === i) continue;
    const link = stored(j);
    if (link !== undefined && follows(i, link)) {
      return at('reordered', `line ${L} belongs after line ${j + 1}: records were moved`);
    }
  }
  if (i + 1 < lines.length && follows(i + 1, hasher(linked(prev, lines[i])))) {
    return at('edited', `the hash of line ${L} was changed`);
  }
  const counted = countedChange(lines, context.entry, L);
  if (counted !== undefined) return at(counted.reason, counted.detail);
  const resumes = i + 1 >= lines.length || follows(i + 1, stored(i) ?? GENESIS);
  if (!resumes) {
    return at(
      'edited',
      `line ${L} and the lines after it do not match their hashes: several records were edited or removed`,
    );
  }
  if (!isWholeRecord(lines[i], 0, lines[i].length)) {
    return at('edited', `line ${L} is not valid JSON any more: it was edited`);
  }
  return at(
    'edited',
    `line ${L} does not match its hash: it was edited, or the record before it was deleted ` +
      `(this part of ${name} is newer than the manifest's last record count, which would tell the two apart)`,
  );
}

/**
 * With the manifest's checkpoint (record count and last hash), a deletion or an insertion shows
 * as the checkpointed record sitting earlier or later than its number; an edit leaves it in place.
 */
function countedChange(
  lines: Buffer[],
  entry: ManifestSegment | undefined,
  L: number,
): { reason: BreakReason; detail: string } | undefined {
  if (entry?.records === undefined || entry.last === undefined) return undefined;
  const start = entry.start ?? 0;
  let offset = 0;
  let ordinal = 0;
  let found: { ordinal: number; line: number } | undefined;
  for (let j = 0; j < lines.length; j++) {
    const lineStart = offset;
    offset += lines[j].length + 1;
    if (lineStart < start) continue;
    const hash = storedHashAt(lines[j], 0, lines[j].length);
    if (hash === undefined) continue;
    ordinal++;
    if (hash === entry.last) {
      found = { ordinal, line: j + 1 };
      break;
    }
  }
  if (found === undefined) {
    if (ordinal >= entry.records) return undefined;
    const missing = entry.records - ordinal;
    return {
      reason: 'deleted',
      detail:
        `${missing} record${missing === 1 ? '' : 's'} deleted at or before line ${L}: the writer counted ` +
        `${entry.records} ending in ${short(entry.last)}, which is gone; the file has ${ordinal}`,
    };
  }
  if (found.line < L) return undefined; // the break is after the last count: the count cannot tell
  const difference = entry.records - found.ordinal;
  if (difference > 0) {
    return {
      reason: 'deleted',
      detail: `${difference} record${difference === 1 ? '' : 's'} deleted before line ${L} (the writer counted ${entry.records} up to line ${found.line}, the file now has ${found.ordinal})`,
    };
  }
  if (difference < 0) {
    return {
      reason: 'inserted',
      detail: `${-difference} line${difference === -1 ? '' : 's'} inserted before line ${L + 1} (the writer counted ${entry.records} records up to line ${found.line}, the file now has ${found.ordinal})`,
    };
  }
  return { reason: 'edited', detail: `line ${L} was edited: it does not match its hash` };
}

/** `prev ‖ canonical` of a chained line: what its hash covers (chain-hash.ts). */
function linked(prev: string, line: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(prev, 'latin1'),
    line.subarray(0, line.length - HASH_SUFFIX_LENGTH),
    CLOSE,
  ]);
}

const CLOSE = Buffer.from('}');

function short(hash: string | undefined): string {
  return hash === undefined ? '(unknown)' : `hash ${hash.slice(0, 12)}…`;
}
