import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/files/chain-manifest.js';
import { findChainedStreams, VerifyUsageError, verifyStream } from '../../src/files/verify-chain.js';
import { createLogger } from '../../src/index.js';
import {
  cleanupTempDirs,
  FIXTURES,
  lines,
  manualClock,
  requireDist,
  runNode,
  segmentNames,
  tempDir,
  writeAudit,
} from './helpers.js';

afterEach(cleanupTempDirs);

const GENESIS = '0'.repeat(64);
const HASH_MEMBER = /,"hash":"([0-9a-f]{64})"\}$/;

/** Recomputes a chain from the documented definition alone, independently of the library. */
function recomputeChain(allLines: string[], start = GENESIS, key?: string): void {
  let prev = start;
  for (const [n, line] of allLines.entries()) {
    const match = HASH_MEMBER.exec(line);
    expect(match, `line ${n + 1} ends in a hash member`).not.toBeNull();
    const canonical = line.slice(0, match!.index) + '}';
    const digest = (key ? createHmac('sha256', key) : createHash('sha256'))
      .update(prev + canonical)
      .digest('hex');
    expect(match![1], `line ${n + 1}`).toBe(digest);
    prev = digest;
  }
}

describe('integrity chain (writer)', () => {
  it('each audit record ends with "hash" = SHA-256(previous hash + the record without it), as the last key', async () => {
    const dir = tempDir();
    await writeAudit(dir, 20);
    const [segment] = segmentNames(join(dir, 'audit'));
    const written = lines(join(dir, 'audit', segment));
    expect(written).toHaveLength(20);
    for (const line of written) expect(Object.keys(JSON.parse(line)).at(-1)).toBe('hash');
    recomputeChain(written);
    // The main stream holds the same audit records, unchained.
    const main = lines(join(dir, segmentNames(dir)[0]));
    expect(main.some((line) => line.includes('"hash"'))).toBe(false);
  });

  it('links across size segments, midnight and a restart that continues the newest segment', async () => {
    const dir = tempDir();
    const audit = join(dir, 'audit');
    const clock = manualClock('2026-11-22T23:00:00.000Z');
    await writeAudit(dir, 60, { clock: clock.now, maxFileSize: '4KB' });
    const firstRun = segmentNames(audit);
    expect(firstRun.length).toBeGreaterThan(2);
    clock.set('2026-11-23T08:00:00.000Z');
    await writeAudit(dir, 5, { clock: clock.now, maxFileSize: '4KB' });
    clock.set('2026-11-23T09:00:00.000Z');
    await writeAudit(dir, 5, { clock: clock.now, maxFileSize: '4KB' });
    const names = segmentNames(audit);
    // The third run continued the segment the second run started (same day, not full).
    expect(names.filter((n) => n.startsWith('2026-11-23'))).toEqual(['2026-11-23.jsonl']);
    recomputeChain(names.flatMap((name) => lines(join(audit, name))));

    const manifest = readManifest(audit)!;
    const records = names.map((name) => manifest.segments.get(name)!);
    expect(records[0].prev).toBe(GENESIS);
    for (let i = 1; i < records.length; i++) {
      expect(records[i].follows).toBe(names[i - 1]);
      expect(records[i].prev).toBe(records[i - 1].last);
    }
    expect(records.reduce((sum, r) => sum + (r.records ?? 0), 0)).toBe(70);

    const report = await verifyStream(audit);
    expect(report).toMatchObject({ ok: true, records: 70, segments: names.length });
  });

  it('is on for audit/ by default, off for the main stream, and opt-in for other streams', async () => {
    const dir = tempDir();
    const log = createLogger({
      dir,
      console: false,
      exitHooks: false,
      retention: { background: false },
      streams: [
        { name: 'errors', level: 'ERROR', integrity: true },
        { name: 'plain', level: 'ERROR' },
      ],
    });
    log.audit('login', { user_id: 'u1' });
    log.error('payment failed', { amount: 3 });
    log.error('payment failed again', { amount: 4 });
    await log.close();
    expect(findChainedStreams(dir).sort()).toEqual([join(dir, 'audit'), join(dir, 'errors')]);
    recomputeChain(lines(join(dir, 'errors', segmentNames(join(dir, 'errors'))[0])));
    expect(readFileSync(join(dir, 'plain', segmentNames(join(dir, 'plain'))[0]), 'utf8')).not.toContain(
      '"hash"',
    );
    expect((await verifyStream(join(dir, 'errors'))).records).toBe(2);
  });

  it('with ACTIONLOG_INTEGRITY_KEY the links are HMAC-SHA-256, and verify needs that same key', async () => {
    const dir = tempDir();
    const audit = join(dir, 'audit');
    process.env.ACTIONLOG_INTEGRITY_KEY = 'correct horse battery staple';
    try {
      await writeAudit(dir, 10);
    } finally {
      delete process.env.ACTIONLOG_INTEGRITY_KEY;
    }
    const written = lines(join(audit, segmentNames(audit)[0]));
    recomputeChain(written, GENESIS, 'correct horse battery staple');
    const record = readManifest(audit)!.segments.get(segmentNames(audit)[0])!;
    expect(record.alg).toBe('hmac-sha256');
    expect(record.mac).toMatch(/^[0-9a-f]{64}$/);

    const ok = await verifyStream(audit, { key: Buffer.from('correct horse battery staple') });
    expect(ok).toMatchObject({ ok: true, records: 10, algorithm: 'hmac-sha256' });
    await expect(verifyStream(audit)).rejects.toThrow(VerifyUsageError);
    await expect(verifyStream(audit, { key: Buffer.from('wrong') })).rejects.toThrow(/not the key/);
  });

  it('a segment with lines from before integrity was on: the chain starts after them', async () => {
    const dir = tempDir();
    const audit = join(dir, 'audit');
    const clock = manualClock('2026-11-23T10:00:00.000Z');
    await writeAudit(dir, 3, { clock: clock.now, extra: { audit: { integrity: false } } });
    const before = readFileSync(join(audit, '2026-11-23.jsonl'));
    await writeAudit(dir, 4, { clock: clock.now });
    const all = lines(join(audit, '2026-11-23.jsonl'));
    expect(all).toHaveLength(7);
    recomputeChain(all.slice(3));
    expect(readManifest(audit)!.segments.get('2026-11-23.jsonl')!.start).toBe(before.length);
    expect(await verifyStream(audit)).toMatchObject({ ok: true, records: 4 });
  });

  it('after a torn last line (a crash mid-write) a restart links to the last whole record', async () => {
    const dir = tempDir();
    const audit = join(dir, 'audit');
    const clock = manualClock('2026-11-23T10:00:00.000Z');
    await writeAudit(dir, 5, { clock: clock.now });
    appendFileSync(join(audit, '2026-11-23.jsonl'), '{"timestamp":"2026-11-23T10:00:00.000Z","seq":6,"lev');
    await writeAudit(dir, 5, { clock: clock.now });
    const all = readFileSync(join(audit, '2026-11-23.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(all).toHaveLength(11);
    recomputeChain([...all.slice(0, 5), ...all.slice(6)]);
    const report = await verifyStream(audit);
    expect(report).toMatchObject({ ok: true, records: 10, tornLines: 1 });
    expect(report.notes.join('\n')).toMatch(/incomplete line/);
  });
});

describe('integrity chain across processes', () => {
  beforeAll(requireDist);

  it('a SIGKILLed writer and the process after it leave one intact chain', async () => {
    const dir = tempDir();
    const first = await runNode(
      join(FIXTURES, 'chain-killed.mjs'),
      [JSON.stringify({ dir, count: 200, tag: 'first' })],
      { timeoutMs: 20_000 },
    );
    expect(first.signal).toBe('SIGKILL');
    const second = await runNode(join(FIXTURES, 'chain-writer.mjs'), [
      JSON.stringify({ dir, count: 50, everyMs: 0, tag: 'second' }),
    ]);
    expect(second.code, second.stderr).toBe(0);
    const report = await verifyStream(join(dir, 'audit'));
    expect(report).toMatchObject({ ok: true, records: 250 });
  });

  it('processes writing one audit directory side by side each chain their own segment; verify accepts the fork', async () => {
    const dir = tempDir();
    const plan = (tag: string) => JSON.stringify({ dir, count: 60, everyMs: 10, tag, maxFileSize: '8KB' });
    const results = await Promise.all([
      runNode(join(FIXTURES, 'chain-writer.mjs'), [plan('a')]),
      runNode(join(FIXTURES, 'chain-writer.mjs'), [plan('b')]),
      runNode(join(FIXTURES, 'chain-writer.mjs'), [plan('c')]),
    ]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const audit = join(dir, 'audit');
    expect(readdirSync(join(audit, '.chain')).length).toBe(segmentNames(audit).length);
    // Writing at the same time, a writer starts from a record in the middle of another's segment
    // (or two start from the same record): the chain forks there.
    const records = readManifest(audit)!.segments;
    const forks = [...records.values()].filter(
      (record, _, all) =>
        (record.follows !== undefined && records.get(record.follows)?.last !== record.prev) ||
        all.some((other) => other !== record && other.prev === record.prev),
    );
    expect(forks.length).toBeGreaterThan(0);
    const report = await verifyStream(audit);
    expect(report.break).toBeUndefined();
    expect(report).toMatchObject({ ok: true, records: 180 });
  });
});
