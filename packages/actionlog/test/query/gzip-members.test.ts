import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { createGzip, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { QueryAst, Row } from '../../src/index.js';
import { tempDirs } from '../temp-dirs.js';

// Worker threads load the compiled scan worker, so this suite runs the built package (dist/).
const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;
const { FileEngine, parsePipeline } = (await import(dist('index.js'))) as typeof import('../../src/index.js');
const { compressSegment } = (await import(
  dist('files/compress-segment.js')
)) as typeof import('../../src/files/compress-segment.js');
const { createMemberGzip, readMemberIndex } = (await import(
  dist('files/gzip-members.js')
)) as typeof import('../../src/files/gzip-members.js');

/**
 * actionlog's `.jsonl.gz` is a run of gzip members with an `AL` header field: any gzip reader
 * gets the original bytes back, and the file engine splits a day into members it reads in
 * parallel and newest first. Every answer must be the same as over the plain file.
 */

const tempDir = tempDirs('actionlog-members-');

function records(day: string, count: number): string {
  const t0 = Date.parse(`${day}T00:00:00Z`);
  let text = '';
  for (let i = 0; i < count; i++) {
    text += `${JSON.stringify({
      timestamp: new Date(t0 + i * 1000).toISOString(),
      seq: i,
      level: i % 9 === 0 ? 'ERROR' : 'INFO',
      message: i % 50 === 0 ? `Rate Limit reached for call ${i}` : `call ${i} done`,
      service: ['PaymentService', 'AgentService', 'SearchService'][i % 3],
      status: i % 9 === 0 ? 'failed' : 'success',
      duration_ms: (i * 37) % 1000,
    })}\n`;
  }
  return text;
}

async function members(text: string | Buffer, memberBytes: number): Promise<Buffer> {
  return collect(Readable.from([Buffer.from(text)]).pipe(createMemberGzip(6, memberBytes)));
}

const QUERIES = [
  'stats count() as n, p95(duration_ms) as p95, max(seq) as last by service',
  'filter status = "failed" | stats count() as n',
  '"rate limit"',
  'filter service = "SearchService" | limit 25',
  'limit 3',
  'sort duration_ms desc, seq | limit 5',
];

describe('gzip members', () => {
  it('compressSegment writes members that gunzip (any reader) gives back as the original bytes', async () => {
    const dir = tempDir();
    const text = records('2026-03-01', 30_000);
    writeFileSync(join(dir, '2026-03-01.jsonl'), text);
    const { path, bytesAfter } = await compressSegment(dir, '2026-03-01.jsonl');
    expect(gunzipSync(readFileSync(path)).toString()).toBe(text);
    const index = readMemberIndex(path, bytesAfter)!;
    // 30,000 records of ~190 bytes: more than one 4 MiB member.
    expect(index.length).toBeGreaterThan(1);
    expect(index.reduce((sum, m) => sum + m.rawLength, 0)).toBe(Buffer.byteLength(text));
    expect(index.at(-1)!.offset + index.at(-1)!.length).toBe(statSync(path).size);
    expect(index.every((m) => !m.continuesLine)).toBe(true);
  });

  it('answers every query as over the plain file, in-process and on workers, and newest first', async () => {
    // Over 16 MB: more than one piece of work, so two workers really share it.
    const text = records('2026-03-02', 150_000);
    const plain = tempDir();
    writeFileSync(join(plain, '2026-03-02.jsonl'), text);
    const packed = tempDir();
    // Small members: the day becomes dozens of members and several pieces of work.
    writeFileSync(join(packed, '2026-03-02.jsonl.gz'), await members(text, 256 << 10));
    expect(
      readMemberIndex(
        join(packed, '2026-03-02.jsonl.gz'),
        statSync(join(packed, '2026-03-02.jsonl.gz')).size,
      )!.length,
    ).toBeGreaterThan(20);
    for (const query of QUERIES) {
      const expected = (await new FileEngine({ dir: plain, workers: 0 }).run(query)).rows;
      for (const workers of [0, 2]) {
        const got = await new FileEngine({ dir: packed, workers }).run(query);
        expect({ query, w: got.stats.workers }).toEqual({ query, w: workers });
        expect({ query, workers, rows: got.rows }).toEqual({ query, workers, rows: expected });
      }
    }
  });

  it('a newest-first limit inflates only the last members of a gzipped day', async () => {
    const dir = tempDir();
    const text = records('2026-03-03', 40_000);
    writeFileSync(join(dir, '2026-03-03.jsonl.gz'), await members(text, 256 << 10));
    const result = await new FileEngine({ dir, workers: 0 }).run('limit 5');
    expect(result.rows.map((r: Row) => r.seq)).toEqual([39_999, 39_998, 39_997, 39_996, 39_995]);
    expect(result.stats.bytes).toBeLessThan(Buffer.byteLength(text) / 4);
  });

  it('a time range inflates only the members that can hold it', async () => {
    // A day of records 2 s apart, in 64 KB members: about 70 of them.
    const text = records('2026-03-06', 43_200).replace(
      /"timestamp":"([^"]+)","seq":(\d+)/g,
      (_, _ts, seq) => {
        const at = Date.parse('2026-03-06T00:00:00Z') + Number(seq) * 2000;
        return `"timestamp":"${new Date(at).toISOString()}","seq":${seq}`;
      },
    );
    const plain = tempDir();
    writeFileSync(join(plain, '2026-03-06.jsonl'), text);
    const packed = tempDir();
    writeFileSync(join(packed, '2026-03-06.jsonl.gz'), await members(text, 64 << 10));
    const hour = (from: string, to: string, pipeline: string): QueryAst => ({
      ...parsePipeline(pipeline),
      range: { from: Date.parse(from), to: Date.parse(to) },
    });
    for (const ast of [
      hour(
        '2026-03-06T10:00:00Z',
        '2026-03-06T11:00:00Z',
        'stats count() as n, min(seq) as a, max(seq) as b',
      ),
      hour(
        '2026-03-06T00:00:00Z',
        '2026-03-06T00:30:00Z',
        'stats count() as n, min(seq) as a, max(seq) as b',
      ),
      hour('2026-03-06T23:30:00Z', '2026-03-07T00:00:00Z', 'filter status = "failed" | limit 4'),
      hour('2026-03-07T00:00:00Z', '2026-03-07T01:00:00Z', 'stats count() as n'),
    ]) {
      const expected = await new FileEngine({ dir: plain, workers: 0 }).run(ast);
      const got = await new FileEngine({ dir: packed, workers: 0 }).run(ast);
      expect(got.rows).toEqual(expected.rows);
      // An hour (plus the order slack) of a day: well under a quarter of it inflated.
      expect(got.stats.bytes).toBeLessThan(Buffer.byteLength(text) / 4);
    }
    const [{ n }] = (
      await new FileEngine({ dir: packed, workers: 0 }).run(
        hour('2026-03-06T10:00:00Z', '2026-03-06T11:00:00Z', 'stats count() as n'),
      )
    ).rows;
    expect(n).toBe(1800);
  });

  it('joins a line longer than two members, and never starts a piece of work inside it', async () => {
    const dir = tempDir();
    const long = JSON.stringify({
      timestamp: '2026-03-04T12:00:00.000Z',
      level: 'INFO',
      message: `rate limit ${'x'.repeat(300_000)}`,
      service: 'AgentService',
    });
    const text = `${records('2026-03-04', 2_000)}${long}\n${records('2026-03-04', 2_000)}`;
    const packed = await members(text, 64 << 10);
    const path = join(dir, '2026-03-04.jsonl.gz');
    writeFileSync(path, packed);
    expect(gunzipSync(packed).toString()).toBe(text);
    expect(readMemberIndex(path, packed.length)!.some((m) => m.continuesLine)).toBe(true);
    for (const workers of [0, 2]) {
      const result = await new FileEngine({ dir, workers }).run('stats count() as n by service');
      expect(result.stats.corrupt + result.stats.torn).toBe(0);
      expect(result.rows.find((r) => r.service === 'AgentService')!.n).toBe(2 * 667 + 1);
      const hits = await new FileEngine({ dir, workers }).run(
        'filter message like /x{1000}/ | fields service',
      );
      expect(hits.rows).toEqual([{ service: 'AgentService' }]);
    }
  });

  it('reports a damaged member, reads the others, and reads other gzip files as one stream', async () => {
    const dir = tempDir();
    const text = records('2026-03-05', 10_000);
    const packed = await members(text, 128 << 10);
    expect(readMemberIndex(join(dir, 'missing.jsonl.gz'), 100)).toBeUndefined();
    // Flip bytes in the middle of the third member's compressed data.
    writeFileSync(join(dir, '2026-03-05.jsonl.gz'), packed);
    const third = readMemberIndex(join(dir, '2026-03-05.jsonl.gz'), packed.length)![2];
    packed.fill(0x55, third.offset + 100, third.offset + 400);
    writeFileSync(join(dir, '2026-03-05.jsonl.gz'), packed);
    const result = await new FileEngine({ dir, workers: 0 }).run('stats count() as n');
    expect(result.stats.errors).toHaveLength(1);
    expect(result.stats.errors[0]).toMatch(/2026-03-05\.jsonl\.gz: /);
    expect(result.rows[0].n).toBeGreaterThan(0);
    expect(result.rows[0].n).toBeLessThan(10_000);
    // A plain gzip file of the same day (another tool's): no index, read from the start.
    const other = tempDir();
    const otherPath = join(other, '2026-03-05.jsonl.gz');
    writeFileSync(otherPath, await collect(Readable.from([Buffer.from(text)]).pipe(createGzip())));
    expect(readMemberIndex(otherPath, statSync(otherPath).size)).toBeUndefined();
    expect((await new FileEngine({ dir: other, workers: 0 }).run('stats count() as n')).rows).toEqual([
      { n: 10_000 },
    ]);
  });
});
