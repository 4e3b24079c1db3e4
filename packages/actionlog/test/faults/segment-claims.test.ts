/**
 * Segment claims (`.writers/*.claim`): made and taken over atomically, so that no two live
 * writers ever hold one, by real processes racing for the same names.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  claimedByLiveWriter,
  claimPath,
  claimSegment,
  releaseSegment,
} from '../../src/files/segment-claim.js';
import { processStartTime, selfIdentity } from '../../src/files/writer-identity.js';
import { cleanupTempDirs, explain, startChild, tempDir } from './helpers.js';

afterAll(cleanupTempDirs);

/** 4 live processes claim the same `count` names at once; returns which indexes each won. */
async function race(dir: string, count: number): Promise<number[][]> {
  const startAt = Date.now() + 500;
  const children = [1, 2, 3, 4].map(() =>
    startChild('claim-race.mjs', [JSON.stringify({ dir, count, startAt })], { timeoutMs: 90_000 }),
  );
  const lines = await Promise.all(children.map((c) => c.waitForLine((l) => l.startsWith('['), 80_000)));
  for (const child of children) child.send('end');
  for (const result of await Promise.all(children.map((c) => c.exited)))
    expect(result.code, explain(result)).toBe(0);
  return lines.map((line) => JSON.parse(line) as number[]);
}

function doubleClaims(won: number[][]): number[] {
  const owners = new Map<number, number>();
  for (const list of won) for (const k of list) owners.set(k, (owners.get(k) ?? 0) + 1);
  return [...owners].filter(([, n]) => n > 1).map(([k]) => k);
}

/** A claim as a writer that has ended made it: a real pid, of a process that has exited. */
async function deadWriterClaim(): Promise<string> {
  const probe = startChild('claim-race.mjs', [
    JSON.stringify({ dir: '/nonexistent-dir', count: 0, startAt: 0 }),
  ]);
  const pid = probe.pid;
  const start = processStartTime(pid);
  expect(start).toBeDefined();
  probe.send('end');
  expect((await probe.exited).code).toBe(0);
  return JSON.stringify({ pid, thread: 0, start, host: selfIdentity().host });
}

describe('segment claims', () => {
  it('4 live processes racing for the same 2,000 names: every name claimed exactly once (3 rounds)', async () => {
    // Races hide: the claim code before this test gave 0, 0 and 39 double claims in three runs.
    for (let round = 0; round < 3; round++) {
      const dir = tempDir();
      const won = await race(dir, 2_000);
      expect(doubleClaims(won)).toEqual([]);
      expect(won.reduce((n, list) => n + list.length, 0)).toBe(2_000);
      // Nothing in .writers/ looks like a log file to a shipper that globs *.jsonl.
      expect(readdirSync(join(dir, '.writers')).filter((n) => n.endsWith('.jsonl'))).toEqual([]);
    }
  }, 180_000);

  it('claims of a dead process are taken over by exactly one of 4 racing rivals', async () => {
    const dir = tempDir();
    const dead = await deadWriterClaim();
    mkdirSync(join(dir, '.writers'));
    for (let k = 0; k < 500; k++) writeFileSync(claimPath(join(dir, `2026-01-01.${k}.jsonl`)), dead);
    const won = await race(dir, 500);
    expect(doubleClaims(won)).toEqual([]);
    expect(won.reduce((n, list) => n + list.length, 0)).toBe(500);
    // No takeover lock is left behind.
    expect(readdirSync(join(dir, '.writers')).filter((n) => n.includes('takeover'))).toEqual([]);
  }, 120_000);

  it('a claim naming a live pid with another start time (the pid was reused) is taken over', () => {
    const dir = tempDir();
    const segment = join(dir, '2026-01-01.jsonl');
    mkdirSync(join(dir, '.writers'));
    const init = processStartTime(1);
    expect(init).toBeDefined();
    // pid 1 is alive; a claim with its real start time holds…
    writeFileSync(
      claimPath(segment),
      JSON.stringify({ pid: 1, thread: 0, start: init, host: selfIdentity().host }),
    );
    expect(claimedByLiveWriter(segment)).toBe(true);
    expect(claimSegment(segment)).toBe(false);
    // …one with another start time was made by an earlier process that had pid 1.
    writeFileSync(
      claimPath(segment),
      JSON.stringify({ pid: 1, thread: 0, start: String(Number(init) + 1), host: selfIdentity().host }),
    );
    expect(claimedByLiveWriter(segment)).toBe(false);
    expect(claimSegment(segment)).toBe(true);
    expect(JSON.parse(readFileSync(claimPath(segment), 'utf8'))).toMatchObject({ pid: process.pid });
    releaseSegment(segment);
    expect(claimedByLiveWriter(segment)).toBe(false);
  });

  it('another thread of this process, or another host, keeps its claim', () => {
    const dir = tempDir();
    const me = selfIdentity();
    const segment = join(dir, '2026-01-01.jsonl');
    mkdirSync(join(dir, '.writers'));
    writeFileSync(claimPath(segment), JSON.stringify({ ...me, thread: me.thread + 7 }));
    expect(claimSegment(segment)).toBe(false);
    writeFileSync(claimPath(segment), JSON.stringify({ ...me, host: `not-${me.host}` }));
    expect(claimSegment(segment)).toBe(false);
    // Our own claim is ours.
    writeFileSync(claimPath(segment), JSON.stringify(me));
    expect(claimSegment(segment)).toBe(true);
  });

  it('a claim in the old form (.writers/{segment}, a pid) is honoured while its process lives', () => {
    const dir = tempDir();
    const segment = join(dir, '2026-01-01.jsonl');
    mkdirSync(join(dir, '.writers'));
    writeFileSync(join(dir, '.writers', '2026-01-01.jsonl'), '1');
    expect(claimedByLiveWriter(segment)).toBe(true);
    expect(claimSegment(segment)).toBe(false);
    writeFileSync(join(dir, '.writers', '2026-01-01.jsonl'), '999999999');
    expect(claimedByLiveWriter(segment)).toBe(false);
    expect(claimSegment(segment)).toBe(true);
  });
});
