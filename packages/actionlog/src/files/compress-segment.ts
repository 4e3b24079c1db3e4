import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, readdirSync, statSync } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createMemberGzip } from './gzip-members.js';
import { FILE_MODE } from './modes.js';
import { gunzipStream } from './segment-reader.js';
import { syncDirectory } from './sync-directory.js';

/**
 * The points between the steps of a compression, in order. A crash at any of them leaves the
 * original segment or the complete `.gz` (both, at `renamed`), never neither.
 */
export type CompressStep = 'writing' | 'written' | 'checked' | 'renamed' | 'removed';

export interface CompressOptions {
  /** gzip level, 1 (fast) to 9 (small); default 6. */
  level?: number;
  /** Called at each step; tests kill the process here to prove the claim above. */
  onStep?: (step: CompressStep) => void | Promise<void>;
  /** Bytes of the segment read so far, for progress bars. */
  onBytes?: (bytes: number) => void;
}

export interface CompressResult {
  /** Path of the `.jsonl.gz`. */
  path: string;
  bytesBefore: number;
  bytesAfter: number;
}

/** Thrown when the segment changed while it was being compressed: the original stays. */
export class SegmentChangedError extends Error {}

const TEMP_PATTERN = /^\.(.+\.jsonl)\.gz\.(\d+)\.tmp$/;

function tempName(name: string): string {
  return `.${name}.gz.${process.pid}.tmp`;
}

/**
 * Gzips `{dir}/{name}` (a closed `.jsonl` segment) to `{name}.gz`, crash-safely:
 *   1. compress into a hidden temp file, hashing the input as it goes (as independent gzip
 *      members of whole lines, which queries read in parallel: see gzip-members.ts);
 *   2. fsync it, then decompress it again and compare length and SHA-256 with the input;
 *   3. check the original did not change meanwhile;
 *   4. rename the temp file to `.gz` and fsync the directory;
 *   5. remove the original and fsync the directory.
 * Until 4 the original is untouched; from 4 the `.gz` is complete. `recoverInterrupted` finishes
 * or undoes whatever a crash left.
 */
export async function compressSegment(
  dir: string,
  name: string,
  options: CompressOptions = {},
): Promise<CompressResult> {
  const source = join(dir, name);
  const target = `${source}.gz`;
  const temp = join(dir, tempName(name));
  const before = await stat(source);
  const handle = await open(temp, 'wx', FILE_MODE);
  let bytesAfter = 0;
  try {
    const inputHash = createHash('sha256');
    let inputBytes = 0;
    let firstChunk = true;
    const watch = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytesAfter += chunk.length;
        if (firstChunk) {
          firstChunk = false;
          Promise.resolve(options.onStep?.('writing')).then(() => done(null, chunk), done);
        } else {
          done(null, chunk);
        }
      },
    });
    await pipeline(
      createReadStream(source, { end: Math.max(0, before.size - 1), highWaterMark: 1024 * 1024 }),
      hashing(inputHash, (n) => {
        inputBytes += n;
        options.onBytes?.(inputBytes);
      }),
      createMemberGzip(options.level ?? 6),
      watch,
      createWriteStream('', { fd: handle.fd, autoClose: false }),
    );
    await handle.sync();
    await handle.close();
    await options.onStep?.('written');

    const check = await gunzipDigest(temp);
    if (check.bytes !== inputBytes || check.sha256 !== inputHash.digest('hex')) {
      throw new Error(`${temp} does not decompress to ${name}: kept the original`);
    }
    const after = await stat(source);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new SegmentChangedError(
        `${name} changed while it was being compressed (is it still being written?)`,
      );
    }
    await options.onStep?.('checked');
    await rename(temp, target);
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  syncDirectory(dir);
  await options.onStep?.('renamed');
  await unlink(source);
  syncDirectory(dir);
  await options.onStep?.('removed');
  return { path: target, bytesBefore: before.size, bytesAfter };
}

export interface RecoveryAction {
  /** `removed-temp`: an unfinished compression's temp file; `removed-original`: the `.gz` was complete. */
  kind: 'removed-temp' | 'removed-original' | 'kept-both';
  path: string;
  detail?: string;
}

/**
 * Finishes or undoes compressions a crash interrupted in `dir`: temp files of processes that are
 * gone are removed (their originals are intact), and an original left beside its `.gz` is removed
 * once the `.gz` is confirmed to hold exactly its bytes.
 */
export async function recoverInterrupted(dir: string, dryRun = false): Promise<RecoveryAction[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const actions: RecoveryAction[] = [];
  const present = new Set(names);
  for (const name of names) {
    const temp = TEMP_PATTERN.exec(name);
    if (temp) {
      const pid = Number(temp[2]);
      const path = join(dir, name);
      if (processAlive(pid) && !(pid === process.pid && olderThanAnHour(path))) continue;
      if (!dryRun) await unlink(path).catch(() => {});
      actions.push({ kind: 'removed-temp', path });
      continue;
    }
    if (name.endsWith('.jsonl') && present.has(`${name}.gz`)) {
      const original = join(dir, name);
      const [plain, packed] = await Promise.all([
        fileDigest(original),
        gunzipDigest(`${original}.gz`).catch(() => undefined),
      ]);
      if (packed !== undefined && plain.bytes === packed.bytes && plain.sha256 === packed.sha256) {
        if (!dryRun) {
          await unlink(original).catch(() => {});
          syncDirectory(dir);
        }
        actions.push({ kind: 'removed-original', path: original });
      } else {
        actions.push({
          kind: 'kept-both',
          path: original,
          detail: `${name}.gz does not hold the same records; kept both for you to look at`,
        });
      }
    }
  }
  return actions;
}

function hashing(hash: Hash, count: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      count(chunk.length);
      done(null, chunk);
    },
  });
}

async function gunzipDigest(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of gunzipStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

async function fileDigest(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function olderThanAnHour(path: string): boolean {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat !== undefined && Date.now() - stat.mtimeMs > 3_600_000;
}
