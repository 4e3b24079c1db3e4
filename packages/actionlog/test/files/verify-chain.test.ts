import { appendFileSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/files/chain-manifest.js';
import { compressSegment } from '../../src/files/compress-segment.js';
import { verifyStream } from '../../src/files/verify-chain.js';
import {
  cleanupTempDirs,
  editLines,
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

/** An audit stream of 80 records over several 4 KB segments of one day; returns its directory and segments. */
async function chainedStream(): Promise<{ audit: string; names: string[] }> {
  const dir = tempDir();
  const clock = manualClock('2026-11-23T10:00:00.000Z');
  await writeAudit(dir, 80, { clock: clock.now, maxFileSize: '4KB' });
  const audit = join(dir, 'audit');
  const names = segmentNames(audit);
  expect(names.length).toBeGreaterThanOrEqual(4);
  return { audit, names };
}

describe('verify: an intact chain', () => {
  it('is OK across plain and .gz segments, with every record counted', async () => {
    const { audit, names } = await chainedStream();
    await compressSegment(audit, names[0]);
    await compressSegment(audit, names[1]);
    const report = await verifyStream(audit);
    expect(report).toMatchObject({ ok: true, records: 80, segments: names.length, compressedSegments: 2 });
    expect(report.notes).toEqual([]);
  });

  it('tolerates the torn last line of a segment being written', async () => {
    const { audit, names } = await chainedStream();
    appendFileSync(join(audit, names.at(-1)!), '{"timestamp":"2026-11-23T10:00:00.000Z","seq":81,"le');
    const report = await verifyStream(audit);
    expect(report).toMatchObject({ ok: true, records: 80, tornLines: 1 });
    expect(report.notes.join('\n')).toMatch(/last line of .* is incomplete/);
  });
});

describe('verify: each kind of tampering is found, with file, line and reason', () => {
  type Tamper = (audit: string, names: string[]) => void | Promise<void>;
  const cases: Array<
    [string, Tamper, { reason: string; segment: number | 'last'; line: number; detail?: RegExp }]
  > = [
    [
      'a record edited',
      (a, n) => editLines(join(a, n[0]), (l) => (l[4] = l[4].replace('"i":4', '"i":40'))),
      { reason: 'edited', segment: 0, line: 5 },
    ],
    [
      'a hash edited',
      (a, n) =>
        editLines(
          join(a, n[0]),
          (l) => (l[4] = l[4].replace(/"hash":"(.)/, (_, c) => `"hash":"${c === 'a' ? 'b' : 'a'}`)),
        ),
      { reason: 'edited', segment: 0, line: 5, detail: /hash of line 5 was changed/ },
    ],
    [
      'a record deleted',
      (a, n) => editLines(join(a, n[0]), (l) => l.splice(4, 1)),
      { reason: 'deleted', segment: 0, line: 5, detail: /1 record deleted before line 5/ },
    ],
    [
      'two records deleted from the newest segment',
      (a, n) => editLines(join(a, n.at(-1)!), (l) => l.splice(1, 2)),
      { reason: 'deleted', segment: 'last', line: 2, detail: /2 records deleted/ },
    ],
    [
      'a forged record inserted',
      (a, n) => editLines(join(a, n[1]), (l) => l.splice(3, 0, l[2].replace('"i":', '"i":1'))),
      { reason: 'inserted', segment: 1, line: 4 },
    ],
    [
      'a record without a hash inserted',
      (a, n) =>
        editLines(join(a, n[1]), (l) =>
          l.splice(3, 0, '{"timestamp":"2026-11-23T10:00:00.000Z","message":"x"}'),
        ),
      { reason: 'inserted', segment: 1, line: 4 },
    ],
    [
      'two records swapped',
      (a, n) => editLines(join(a, n[1]), (l) => ([l[5], l[6]] = [l[6], l[5]])),
      { reason: 'reordered', segment: 1, line: 6, detail: /lines 6 and 7 are swapped/ },
    ],
    [
      'a record moved further down',
      (a, n) => editLines(join(a, n[1]), (l) => l.splice(8, 0, ...l.splice(2, 1))),
      { reason: 'reordered', segment: 1, line: 3 },
    ],
    [
      'the end of a closed segment cut off',
      (a, n) => editLines(join(a, n[1]), (l) => l.splice(-3, 3)),
      { reason: 'truncated', segment: 1, line: 0, detail: /the last 3 were cut off/ },
    ],
    [
      'a closed segment cut mid-line',
      (a, n) => truncateSync(join(a, n[0]), readFileSync(join(a, n[0])).length - 40),
      { reason: 'truncated', segment: 0, line: 0, detail: /the last 1 was cut off/ },
    ],
    [
      'a segment in the middle deleted',
      (a, n) => unlinkSync(join(a, n[1])),
      { reason: 'segment-missing', segment: 1, line: 0 },
    ],
    [
      'the oldest segment deleted',
      (a, n) => unlinkSync(join(a, n[0])),
      { reason: 'segment-missing', segment: 0, line: 0 },
    ],
    [
      'the newest segment deleted',
      (a, n) => unlinkSync(join(a, n.at(-1)!)),
      { reason: 'segment-missing', segment: 'last', line: 0 },
    ],
    [
      'a record edited inside a .gz segment',
      async (a, n) => {
        const { path } = await compressSegment(a, n[2]);
        const text = gunzipSync(readFileSync(path)).toString('utf8').replace('"i":', '"i":9');
        writeFileSync(path, gzipSync(text));
      },
      { reason: 'edited', segment: 2, line: 1 },
    ],
  ];

  for (const [what, tamper, expected] of cases) {
    it(what, async () => {
      const { audit, names } = await chainedStream();
      const segmentLines = names.map((name) => lines(join(audit, name)).length);
      await tamper(audit, names);
      const report = await verifyStream(audit);
      expect(report.ok).toBe(false);
      const index = expected.segment === 'last' ? names.length - 1 : expected.segment;
      expect(report.break).toMatchObject({ reason: expected.reason });
      expect(report.break!.file.replace(/\.gz$/, '')).toBe(join(audit, names[index]));
      // line 0 in the table: "where the file ends now" for truncation, "the file as a whole" for a missing one.
      if (expected.reason === 'truncated') {
        expect(report.break!.line).toBeLessThanOrEqual(segmentLines[index]);
        expect(report.break!.line).toBeGreaterThan(segmentLines[index] - 4);
      } else {
        expect(report.break!.line).toBe(expected.line);
      }
      if (expected.detail) expect(report.break!.detail).toMatch(expected.detail);
    });
  }

  it('a keyed chain: a chain record edited without the key', async () => {
    const dir = tempDir();
    process.env.ACTIONLOG_INTEGRITY_KEY = 'k3y';
    try {
      await writeAudit(dir, 10);
    } finally {
      delete process.env.ACTIONLOG_INTEGRITY_KEY;
    }
    const audit = join(dir, 'audit');
    const [name] = segmentNames(audit);
    const recordFile = join(audit, '.chain', `${name}.json`);
    const record = JSON.parse(readFileSync(recordFile, 'utf8'));
    writeFileSync(recordFile, JSON.stringify({ ...record, records: record.records + 5 }));
    const report = await verifyStream(audit, { key: Buffer.from('k3y') });
    expect(report.break).toMatchObject({ reason: 'manifest', detail: /was edited: its MAC does not match/ });
  });

  it('a segment cut while no process was writing, then written on by a restart, is still reported', async () => {
    const dir = tempDir();
    const clock = manualClock('2026-11-23T10:00:00.000Z');
    await writeAudit(dir, 20, { clock: clock.now });
    const audit = join(dir, 'audit');
    editLines(join(audit, '2026-11-23.jsonl'), (l) => l.splice(-3, 3));
    await writeAudit(dir, 5, { clock: clock.now });
    // The restart kept the old checkpoint as evidence instead of counting the cut file afresh.
    expect(readManifest(audit)!.segments.get('2026-11-23.jsonl')).toMatchObject({ records: 20 });
    const report = await verifyStream(audit);
    expect(report.break).toMatchObject({ reason: 'rewritten', line: 20 });
  });
});

describe('verify: without the .chain/ records', () => {
  it('checks the segments as one chain in name order, and says the records are gone', async () => {
    const { audit, names } = await chainedStream();
    for (const name of names) unlinkSync(join(audit, '.chain', `${name}.json`));
    const intact = await verifyStream(audit);
    expect(intact).toMatchObject({ ok: true, records: 80 });
    expect(intact.notes.join('\n')).toMatch(
      /no segment on disk has a \.chain\/ record \(were they deleted\?\)/,
    );
    unlinkSync(join(audit, names[1]));
    const gap = await verifyStream(audit);
    expect(gap.break).toMatchObject({ file: join(audit, names[2]), line: 1 });
  });
});

describe('verify: what the records cannot tell', () => {
  beforeAll(requireDist);

  it('a record deleted after the last checkpoint (writer SIGKILLed) is named as "edited, or the record before it deleted"', async () => {
    const dir = tempDir();
    const killed = await runNode(join(FIXTURES, 'chain-killed.mjs'), [
      JSON.stringify({ dir, count: 30, tag: 'k' }),
    ]);
    expect(killed.signal).toBe('SIGKILL');
    const audit = join(dir, 'audit');
    const [name] = segmentNames(audit);
    expect(readManifest(audit)!.segments.get(name)!.records).toBeUndefined();
    expect((await verifyStream(audit)).ok).toBe(true);
    editLines(join(audit, name), (l) => l.splice(10, 1));
    const report = await verifyStream(audit);
    expect(report.break).toMatchObject({
      reason: 'edited',
      line: 11,
      detail: /or the record before it was deleted/,
    });
  });
});
