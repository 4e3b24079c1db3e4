import { createHash, randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DIR_MODE, FILE_MODE } from './modes.js';
import {
  isAlive,
  isSelf,
  parseIdentity,
  pidExists,
  selfIdentity,
  type WriterIdentity,
} from './writer-identity.js';

/**
 * Segments are written at offsets their writer hands out, so two writers must never write the
 * same segment (cluster workers, worker threads, an old and a new process overlapping in a
 * rolling restart). A writer claims a segment with `{dir}/.writers/{segment}.claim`, which names
 * it (writer-identity.ts); a writer that finds a segment claimed by a live writer moves on to the
 * next index, so each gets segments of its own.
 *
 * Both ways of getting a claim are atomic, so no two writers ever hold one:
 * - a new claim is written whole to a private temp file and `link()`ed to the claim name, which
 *   fails if the name exists: there is never a moment when the claim exists without its owner;
 * - a claim whose writer is gone is taken over by the one rival that creates
 *   `{claim}.takeover-{hash of the dead claim}` (again by `link`). It checks the claim still
 *   names the dead writer, removes it and claims the name afresh; the others move on. A taker
 *   that dies in between leaves that segment claimed for good: it is skipped, never shared.
 *
 * Claim files are not named `*.jsonl`: shippers glob for that. Claims made by earlier versions
 * (`.writers/{segment}`, holding a pid) are still honoured while their process lives.
 */
export function claimSegment(segmentPath: string): boolean {
  const claim = claimPath(segmentPath);
  const legacy = legacyClaimHolder(segmentPath);
  // This version never writes the old form: one naming our pid is an earlier process's.
  if (legacy !== undefined && legacy !== process.pid) return false;
  for (let attempt = 0; attempt < 3; attempt++) {
    const made = createExclusive(claim);
    if (made === 'created') return true;
    if (made === 'unavailable') return true; // cannot lock here (e.g. read-only): opening the segment will report
    const text = readText(claim);
    if (text === undefined) continue; // released just now: try again
    const owner = parseIdentity(text);
    if (owner !== undefined && isSelf(owner)) return true;
    if (owner !== undefined && isAlive(owner)) return false;
    return takeOver(claim, text);
  }
  return false;
}

/** Whether a live writer (possibly this one) holds the claim on a segment: it may still be appending to it. */
export function claimedByLiveWriter(segmentPath: string): boolean {
  if (legacyClaimHolder(segmentPath) !== undefined) return true;
  const text = readText(claimPath(segmentPath));
  const owner = text === undefined ? undefined : parseIdentity(text);
  return owner !== undefined && isAlive(owner);
}

export function releaseSegment(segmentPath: string): void {
  const claim = claimPath(segmentPath);
  const text = readText(claim);
  const owner = text === undefined ? undefined : parseIdentity(text);
  if (owner === undefined || !isSelf(owner)) return;
  try {
    unlinkSync(claim);
  } catch {
    // Already gone (directory removed): nothing to release.
  }
}

export function claimPath(segmentPath: string): string {
  return join(dirname(segmentPath), '.writers', `${basename(segmentPath)}.claim`);
}

function takeOver(claim: string, deadClaim: string): boolean {
  const digest = createHash('sha256').update(deadClaim).digest('hex').slice(0, 16);
  const lock = `${claim}.takeover-${digest}`;
  if (createExclusive(lock) !== 'created') return false;
  try {
    // Someone finished a takeover before we got the lock: the claim is theirs now.
    if (readText(claim) !== deadClaim) return false;
    unlinkSync(claim);
    return createExclusive(claim) === 'created';
  } catch {
    return false;
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // Gone with the directory.
    }
  }
}

/** Creates `path` holding this writer's identity, atomically: whole, or not at all. */
function createExclusive(path: string): 'created' | 'exists' | 'unavailable' {
  const me = selfIdentity();
  const temp = join(dirname(path), `.tmp-${me.pid}-${me.thread}-${randomBytes(6).toString('hex')}`);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return 'unavailable';
    try {
      mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
      fd = openSync(temp, 'wx', FILE_MODE);
    } catch {
      return 'unavailable';
    }
  }
  try {
    try {
      writeSync(fd, identityText(me));
    } finally {
      closeSync(fd);
    }
    linkSync(temp, path);
    return 'created';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists' : 'unavailable';
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing to tidy.
    }
  }
}

let ownText: string | undefined;

function identityText(me: WriterIdentity): string {
  ownText ??= JSON.stringify(me);
  return ownText;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The live process holding a claim made by an earlier version (`.writers/{segment}`, a pid), if any. */
function legacyClaimHolder(segmentPath: string): number | undefined {
  const text = readText(join(dirname(segmentPath), '.writers', basename(segmentPath)));
  if (text === undefined) return undefined;
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return pidExists(pid) ? pid : undefined;
}
