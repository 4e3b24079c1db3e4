import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { applyRetention, type RetentionStream } from '../../src/files/apply-retention.js';
import { readManifest } from '../../src/files/chain-manifest.js';
import { type RetentionPolicy, streamPolicies } from '../../src/files/retention-policy.js';
import { verifyStream } from '../../src/files/verify-chain.js';
import { createLogger } from '../../src/index.js';
import {
  cleanupTempDirs,
  daysAgo,
  FIXTURES,
  lines,
  manualClock,
  requireDist,
  runNode,
  segmentNames,
  tempDir,
  writeAudit,
  writeSegment,
} from './helpers.js';

afterEach(cleanupTempDirs);

const NOW = Date.parse('2026-11-23T12:00:00.000Z');
const POLICY: RetentionPolicy = { compressAfterDays: 7, retentionDays: 30, maxTotalSize: false };

function stream(dir: string, policy: Partial<RetentionPolicy> = {}): RetentionStream {
  return { name: 'main', dir, retention: { ...POLICY, ...policy } };
}

describe('retention policy', () => {
  it('decides by the date in the file name (not mtime): deletes past retentionDays, gzips past compressAfterDays', async () => {
    const dir = tempDir();
    const originals = new Map<string, Buffer>();
    for (const [name, age] of [
      ['2026-10-01.jsonl', 53],
      ['2026-10-23.jsonl', 31],
      ['2026-10-24.jsonl', 30],
      ['2026-11-15.jsonl', 8],
      ['2026-11-15.1.jsonl', 8],
      ['2026-11-16.jsonl', 7],
      ['2026-11-23.jsonl', 0],
    ] as const) {
      const path = writeSegment(dir, name, 5000);
      originals.set(name, readFileSync(path));
      // mtimes say the opposite of the names: old files touched now, new ones long ago.
      const mtime = new Date(NOW - (60 - age) * 86_400_000);
      utimesSync(path, mtime, mtime);
    }
    const summary = await applyRetention([stream(dir)], { now: NOW });
    expect(segmentNames(dir)).toEqual([
      '2026-10-24.jsonl.gz',
      '2026-11-15.jsonl.gz',
      '2026-11-15.1.jsonl.gz',
      '2026-11-16.jsonl',
      '2026-11-23.jsonl',
    ]);
    for (const name of ['2026-10-24.jsonl', '2026-11-15.jsonl', '2026-11-15.1.jsonl']) {
      expect(gunzipSync(readFileSync(join(dir, `${name}.gz`)))).toEqual(originals.get(name));
    }
    expect(summary).toMatchObject({ compressed: 3, deleted: 2, errors: 0, segmentsKept: 5 });
    expect(summary.bytesFreed).toBeGreaterThan(2 * 5000);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('maxTotalSize deletes oldest-first until the stream is under it, never the newest segment', async () => {
    const dir = tempDir();
    for (let day = 17; day <= 21; day++) writeSegment(dir, `2026-11-${day}.jsonl`, 100_000);
    const summary = await applyRetention([stream(dir, { compressAfterDays: false, maxTotalSize: 250_000 })], {
      now: NOW,
    });
    expect(segmentNames(dir)).toEqual(['2026-11-20.jsonl', '2026-11-21.jsonl']);
    expect(
      summary.events.filter((e) => e.kind === 'delete').map((e) => e.kind === 'delete' && e.reason),
    ).toEqual(['size', 'size', 'size']);
    // A cap smaller than the newest segment still leaves the newest.
    await applyRetention([stream(dir, { compressAfterDays: false, maxTotalSize: 10 })], { now: NOW });
    expect(segmentNames(dir)).toEqual(['2026-11-21.jsonl']);
  });

  it('counts segments after compression against maxTotalSize', async () => {
    const dir = tempDir();
    // Highly compressible: 4 x 200 KB shrink to a few KB each, so all fit under 250 KB once gzipped.
    for (let day = 1; day <= 4; day++) writeSegment(dir, `2026-11-0${day}.jsonl`, 200_000);
    writeSegment(dir, '2026-11-23.jsonl', 1000);
    await applyRetention([stream(dir, { maxTotalSize: 250_000 })], { now: NOW });
    expect(segmentNames(dir)).toEqual([
      '2026-11-01.jsonl.gz',
      '2026-11-02.jsonl.gz',
      '2026-11-03.jsonl.gz',
      '2026-11-04.jsonl.gz',
      '2026-11-23.jsonl',
    ]);
  });

  it('keeps files dated after today (a clock that ran ahead) and the newest segment of today', async () => {
    const dir = tempDir();
    writeSegment(dir, '2026-11-23.jsonl', 1000);
    writeSegment(dir, '2026-11-23.1.jsonl', 1000);
    writeSegment(dir, '2026-12-30.jsonl', 1000);
    await applyRetention([stream(dir, { compressAfterDays: 0, retentionDays: 0, maxTotalSize: 1500 })], {
      now: NOW,
    });
    // The older segment of today is the only one a size cap may take.
    expect(segmentNames(dir)).toEqual(['2026-11-23.1.jsonl', '2026-12-30.jsonl']);
  });

  it('leaves alone a segment another live process is writing (its claim in .writers/), whatever its age', async () => {
    const dir = tempDir();
    writeSegment(dir, '2026-11-01.jsonl', 5000);
    writeSegment(dir, '2026-11-02.jsonl', 5000);
    writeSegment(dir, '2026-11-23.jsonl', 1000);
    mkdirSync(join(dir, '.writers'));
    writeFileSync(join(dir, '.writers', '2026-11-01.jsonl'), String(process.pid)); // alive
    writeFileSync(join(dir, '.writers', '2026-11-02.jsonl'), '999999999'); // gone: a stale claim
    await applyRetention([stream(dir, { retentionDays: 10, maxTotalSize: 1 })], { now: NOW });
    expect(segmentNames(dir)).toEqual(['2026-11-01.jsonl', '2026-11-23.jsonl']);
  });

  it('per-stream overrides: audit/ keeps 365 days by default, a stream its own days, the rest inherit', () => {
    const { config } = loadConfig({
      options: {
        dir: '/var/log/shop',
        retention: { compressAfterDays: 3, retentionDays: 30, maxTotalSize: '2GB' },
        streams: [{ name: 'errors', level: 'ERROR', retention: { retentionDays: 90 } }],
      },
    });
    const policies = Object.fromEntries(streamPolicies(config).map((p) => [p.name, p]));
    expect(policies.main).toMatchObject({
      dir: '/var/log/shop',
      integrity: false,
      retention: { compressAfterDays: 3, retentionDays: 30, maxTotalSize: 2 * 1024 ** 3 },
    });
    expect(policies.audit).toMatchObject({
      dir: '/var/log/shop/audit',
      integrity: true,
      retention: { compressAfterDays: 3, retentionDays: 365, maxTotalSize: 2 * 1024 ** 3 },
    });
    expect(policies.errors).toMatchObject({ dir: '/var/log/shop/errors', retention: { retentionDays: 90 } });
    const forever = loadConfig({ options: { audit: { retention: { retentionDays: false } } } }).config;
    expect(streamPolicies(forever).find((p) => p.name === 'audit')!.retention.retentionDays).toBe(false);
  });

  it('a dry run changes nothing and reports what it would do', async () => {
    const dir = tempDir();
    writeSegment(dir, '2026-10-01.jsonl', 3000);
    writeSegment(dir, '2026-11-10.jsonl', 4000);
    writeSegment(dir, '2026-11-23.jsonl', 1000);
    const before = readdirSync(dir).sort();
    const summary = await applyRetention([stream(dir)], { now: NOW, dryRun: true });
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(summary).toMatchObject({ compressed: 1, deleted: 1, bytesFreed: 3000 });
    expect(summary.events.map((e) => `${e.kind} ${e.path.slice(-16)}`)).toEqual([
      'delete 2026-10-01.jsonl',
      'compress 2026-11-10.jsonl',
    ]);
  });
});

describe('retention of a chained stream', () => {
  it('records each removal in the segment chain record, so verify tells retention from deletion', async () => {
    const dir = tempDir();
    const clock = manualClock('2026-09-01T10:00:00.000Z');
    for (const day of ['2026-09-01', '2026-09-02', '2026-11-22']) {
      clock.set(`${day}T10:00:00.000Z`);
      await writeAudit(dir, 5, { clock: clock.now });
    }
    const audit = join(dir, 'audit');
    await applyRetention(
      [{ name: 'audit', dir: audit, retention: { ...POLICY, compressAfterDays: false } }],
      {
        now: NOW,
      },
    );
    expect(segmentNames(audit)).toEqual(['2026-11-22.jsonl']);
    expect(readManifest(audit)!.segments.get('2026-09-01.jsonl')!.removed).toEqual({
      at: new Date(NOW).toISOString(),
      reason: 'age',
    });
    const report = await verifyStream(audit);
    expect(report).toMatchObject({ ok: true, records: 5 });
    expect(report.notes.join('\n')).toMatch(/2 older segment\(s\) were removed by retention/);
  });

  it('a keyed chain: without the key retention leaves the segment and says why; with it, deletes', async () => {
    const dir = tempDir();
    const clock = manualClock('2026-09-01T10:00:00.000Z');
    process.env.ACTIONLOG_INTEGRITY_KEY = 'k';
    try {
      await writeAudit(dir, 5, { clock: clock.now });
      clock.set('2026-11-22T10:00:00.000Z');
      await writeAudit(dir, 5, { clock: clock.now });
    } finally {
      delete process.env.ACTIONLOG_INTEGRITY_KEY;
    }
    const audit = join(dir, 'audit');
    const streams = [{ name: 'audit', dir: audit, retention: POLICY }];
    const refused = await applyRetention(streams, { now: NOW });
    expect(refused.errors).toBe(1);
    expect(refused.events[0]).toMatchObject({
      kind: 'error',
      message: /HMAC-chained: set ACTIONLOG_INTEGRITY_KEY/,
    });
    expect(segmentNames(audit)).toEqual(['2026-09-01.jsonl', '2026-11-22.jsonl']);
    await applyRetention(streams, { now: NOW, integrityKey: Buffer.from('k') });
    expect(segmentNames(audit)).toEqual(['2026-11-22.jsonl']);
    expect(await verifyStream(audit, { key: Buffer.from('k') })).toMatchObject({ ok: true, records: 5 });
  });
});

describe('retention in the logging process', () => {
  it('runs at start-up in the background, after the first log call, and logs what it did', async () => {
    const dir = tempDir();
    const now = Date.parse('2026-11-23T12:00:00.000Z');
    writeSegment(dir, `${daysAgo(now, 40)}.jsonl`, 2000);
    writeSegment(dir, `${daysAgo(now, 10)}.jsonl`, 2000);
    const before = segmentNames(dir);
    const log = createLogger({ dir, console: false, exitHooks: false, clock: () => now });
    log.info('first');
    // The first call returned before retention touched anything.
    expect(segmentNames(dir).filter((n) => n !== '2026-11-23.jsonl')).toEqual(before);
    const expected = [`${daysAgo(now, 10)}.jsonl.gz`, '2026-11-23.jsonl'];
    const deadline = Date.now() + 10_000;
    while (segmentNames(dir).join() !== expected.join() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(segmentNames(dir)).toEqual(expected);
    await new Promise((r) => setTimeout(r, 50));
    await log.close();
    const report = lines(join(dir, '2026-11-23.jsonl'))
      .map((line) => JSON.parse(line))
      .find((record) => record.message.startsWith('log retention'));
    expect(report).toMatchObject({
      category: 'system',
      logger: 'actionlog',
      message: expect.stringMatching(/compressed 1 and deleted 1 segment/),
    });
  });

  it('retention.background: false leaves old segments alone', async () => {
    const dir = tempDir();
    const now = Date.parse('2026-11-23T12:00:00.000Z');
    writeSegment(dir, `${daysAgo(now, 40)}.jsonl`, 2000);
    const log = createLogger({
      dir,
      console: false,
      exitHooks: false,
      clock: () => now,
      retention: { background: false },
    });
    log.info('first');
    await new Promise((r) => setTimeout(r, 300));
    await log.close();
    expect(existsSync(join(dir, `${daysAgo(now, 40)}.jsonl`))).toBe(true);
  });
});

describe('retention in a worker thread (built library)', () => {
  beforeAll(requireDist);

  /** Three ~16 MB segments that do not compress in an instant. */
  function bigOldSegments(dir: string): string[] {
    const names: string[] = [];
    for (const age of [20, 19, 18]) {
      const parts: string[] = [];
      for (let i = 0; i < 75_000; i++) {
        parts.push(`{"seq":${i},"id":"${randomBytes(24).toString('hex')}","message":"${'x'.repeat(100)}"}\n`);
      }
      const name = `${daysAgo(Date.now(), age)}.jsonl`;
      writeFileSync(join(dir, name), parts.join(''));
      names.push(name);
    }
    return names;
  }

  it('compresses in a process that lives on, and the logger records it', async () => {
    const dir = tempDir();
    const names = bigOldSegments(dir);
    const result = await runNode(join(FIXTURES, 'log-and-wait.mjs'), [dir, '7']);
    expect(result.stdout, result.stderr).toContain('pending 0');
    for (const name of names) expect(existsSync(join(dir, `${name}.gz`))).toBe(true);
    const today = segmentNames(dir).at(-1)!;
    expect(readFileSync(join(dir, today), 'utf8')).toMatch(/log retention: compressed 3 and deleted 0/);
  });

  it('never keeps a short-lived process alive; what it leaves half-done, the next run finishes', async () => {
    const dir = tempDir();
    const names = bigOldSegments(dir);
    const originals = names.map((name) => statSync(join(dir, name)).size);
    const result = await runNode(join(FIXTURES, 'log-once.mjs'), [dir]);
    expect(result.code, result.stderr).toBe(0);
    // Compressing ~48 MB takes seconds: the process ended long before, leaving originals.
    expect(names.some((name) => existsSync(join(dir, name)))).toBe(true);
    for (const [i, name] of names.entries()) {
      const plain = existsSync(join(dir, name));
      const packed = existsSync(join(dir, `${name}.gz`));
      expect(plain || packed, name).toBe(true);
      if (plain) expect(statSync(join(dir, name)).size).toBe(originals[i]);
    }
    await applyRetention([stream(dir)], { now: Date.now() });
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    for (const name of names)
      expect(existsSync(join(dir, `${name}.gz`)) && !existsSync(join(dir, name))).toBe(true);
  });
});
