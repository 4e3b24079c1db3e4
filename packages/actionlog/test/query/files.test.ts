import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { evaluateLines, FileEngine, parsePipeline, type Row } from '../../src/index.js';
import { tempDirs } from '../temp-dirs.js';
import { difference } from './fixtures.js';

const tempDir = tempDirs('actionlog-files-');

/** `count` records a minute apart from `start`, each about 250 bytes. */
function records(start: string, count: number, extra: (i: number) => Row = () => ({})): string[] {
  const t0 = Date.parse(start);
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      timestamp: new Date(t0 + i * 60_000).toISOString(),
      seq: i,
      level: i % 10 === 0 ? 'ERROR' : 'INFO',
      message: `record ${i} of the day with some padding text to make it a realistic length`,
      action: i % 3 === 0 ? 'tool_call' : 'charge',
      service: i % 2 ? 'PaymentService' : 'AgentService',
      status: i % 10 === 0 ? 'failed' : 'success',
      duration_ms: (i * 37) % 1000,
      ...extra(i),
    }),
  );
}

const text = (lines: string[]) => `${lines.join('\n')}\n`;

describe('file engine over a log directory', () => {
  it('reads plain, gzipped and size segments; counts corrupt and torn lines; never fails on them', async () => {
    const dir = tempDir();
    const day1 = records('2026-02-01T00:00:00Z', 300);
    const day2 = records('2026-02-02T00:00:00Z', 300);
    const day3 = records('2026-02-03T00:00:00Z', 300);
    writeFileSync(join(dir, '2026-02-01.jsonl.gz'), gzipSync(text(day1)));
    // A crash left a torn line, which the logger ended with a newline on restart.
    writeFileSync(
      join(dir, '2026-02-02.jsonl'),
      `${text(day2.slice(0, 150))}{"timestamp":"2026-02-02T02:30:00.0\n${text(day2.slice(150))}`,
    );
    writeFileSync(join(dir, '2026-02-03.jsonl'), `${text(day3.slice(0, 100))}garbage, not JSON\n[1,2,3]\n`);
    // The newest segment is still being written: its last line has no newline yet.
    writeFileSync(join(dir, '2026-02-03.1.jsonl'), `${text(day3.slice(100))}{"timestamp":"2026-02-03T23:59:`);
    const all = [...day1, ...day2, ...day3];
    const engine = new FileEngine({ dir, workers: 0 });
    for (const query of [
      '',
      'stats count() as n by service',
      'filter status = "failed" | limit 7',
      '"record 12 "',
    ]) {
      const result = await engine.run(query);
      expect(difference(result.rows, evaluateLines(all, parsePipeline(query)))).toBeUndefined();
    }
    const { stats } = await engine.run('stats count()');
    expect(stats).toMatchObject({ files: 4, corrupt: 3, torn: 1, errors: [] });
  });

  it('reads only the days a time range can hold', async () => {
    const dir = tempDir();
    for (const day of ['01', '02', '03', '04', '05']) {
      writeFileSync(join(dir, `2026-02-${day}.jsonl`), text(records(`2026-02-${day}T00:00:00Z`, 100)));
    }
    const engine = new FileEngine({ dir, workers: 0 });
    const query = parsePipeline('stats count() as n');
    query.range = { from: Date.parse('2026-02-03T00:02:00Z'), to: Date.parse('2026-02-03T01:00:00Z') };
    const result = await engine.run(query);
    expect(result.rows).toEqual([{ n: 58 }]);
    // Day 2 may hold the minutes of slack before the range (clock steps); days 1, 4 and 5 cannot.
    expect(engine.sources({ from: query.range.from, to: query.range.to }).map((s) => s.day)).toEqual([
      '2026-02-02',
      '2026-02-03',
    ]);
    expect(result.stats.files).toBe(2);
  });

  it('finds a time range inside a large file by binary search, reading a fraction of it', async () => {
    const dir = tempDir();
    // 17280 records, one every 5 seconds of the day: a big segment.
    const t0 = Date.parse('2026-02-01T00:00:00Z');
    const lines = Array.from({ length: 17_280 }, (_, i) =>
      JSON.stringify({
        timestamp: new Date(t0 + i * 5000).toISOString(),
        n: i,
        level: 'INFO',
        message: 'x'.repeat(150),
      }),
    );
    writeFileSync(join(dir, '2026-02-01.jsonl'), text(lines));
    const size = statSync(join(dir, '2026-02-01.jsonl')).size;
    const engine = new FileEngine({ dir, workers: 0 });
    const query = parsePipeline('stats count() as n, min(n) as first, max(n) as last');
    query.range = { from: Date.parse('2026-02-01T12:00:00Z'), to: Date.parse('2026-02-01T12:30:00Z') };
    const result = await engine.run(query);
    expect(result.rows).toEqual([{ n: 360, first: 8640, last: 8999 }]);
    expect(result.stats.bytes).toBeLessThan(size / 10);
  });

  it('stops early when a limit is met, newest first', async () => {
    const dir = tempDir();
    const lines = records('2026-02-01T00:00:00Z', 20_000);
    writeFileSync(join(dir, '2026-02-01.jsonl'), text(lines));
    const engine = new FileEngine({ dir, workers: 0 });
    const result = await engine.run('filter status = "success" | limit 5');
    expect(result.rows.map((r) => r.seq)).toEqual([19999, 19998, 19997, 19996, 19995]);
    expect(result.stats.bytes).toBeLessThan(statSync(join(dir, '2026-02-01.jsonl')).size / 5);
  });

  it('skips lines by needle before parsing them', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '2026-02-01.jsonl'), text(records('2026-02-01T00:00:00Z', 5000)));
    const result = await new FileEngine({ dir, workers: 0 }).run(
      'filter status = "failed" and service = "AgentService"',
    );
    expect(result.rows).toHaveLength(500);
    // Only lines holding the rarer needle are looked at, not all 5000.
    expect(result.stats.parsed).toBeLessThanOrEqual(2500);
  });

  it('reads a segment once when both its plain and gzipped forms exist (mid-compression)', async () => {
    const dir = tempDir();
    const lines = records('2026-02-01T00:00:00Z', 50);
    writeFileSync(join(dir, '2026-02-01.jsonl'), text(lines));
    writeFileSync(join(dir, '2026-02-01.jsonl.gz'), gzipSync(text(lines.slice(0, 10))));
    const { rows } = await new FileEngine({ dir, workers: 0 }).run('stats count() as n');
    expect(rows).toEqual([{ n: 50 }]);
  });

  it('reads a sub-stream, and a missing directory as no records', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'audit'));
    writeFileSync(
      join(dir, 'audit', '2026-02-01.jsonl'),
      text(records('2026-02-01T00:00:00Z', 3, () => ({ category: 'audit' }))),
    );
    expect(
      (await new FileEngine({ dir, stream: 'audit', workers: 0 }).run('stats count() as n')).rows,
    ).toEqual([{ n: 3 }]);
    const missing = await new FileEngine({ dir: join(dir, 'nope'), workers: 0 }).run('limit 3');
    expect(missing.rows).toEqual([]);
    expect(missing.stats.files).toBe(0);
  });

  it('reports a truncated gzip file and keeps what it could read', async () => {
    const dir = tempDir();
    const gz = gzipSync(text(records('2026-02-01T00:00:00Z', 2000)));
    writeFileSync(join(dir, '2026-02-01.jsonl.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    writeFileSync(join(dir, '2026-02-02.jsonl'), text(records('2026-02-02T00:00:00Z', 10)));
    const result = await new FileEngine({ dir, workers: 0 }).run('stats count() as n');
    expect(result.stats.errors).toHaveLength(1);
    expect(result.stats.errors[0]).toMatch(/2026-02-01\.jsonl\.gz: .*unexpected end of file/);
    expect(result.rows[0].n).toBeGreaterThan(10);
  });

  it('handles lines longer than a read chunk, and CRLF line ends', async () => {
    const dir = tempDir();
    const huge = JSON.stringify({
      timestamp: '2026-02-01T00:00:00.000Z',
      level: 'INFO',
      message: 'x'.repeat(9 << 20),
    });
    const crlf = records('2026-02-01T00:01:00Z', 3).join('\r\n');
    writeFileSync(join(dir, '2026-02-01.jsonl'), `${huge}\n${crlf}\r\n`);
    const engine = new FileEngine({ dir, workers: 0 });
    expect((await engine.run('stats count() as n, max(duration_ms) as d')).rows).toEqual([{ n: 4, d: 74 }]);
    const [first] = (await engine.run('sort timestamp | limit 1')).rows;
    expect((first.message as string).length).toBe(9 << 20);
  });

  it('streams rows as it finds them and passes lines through unchanged', async () => {
    const dir = tempDir();
    const lines = records('2026-02-01T00:00:00Z', 3000);
    writeFileSync(join(dir, '2026-02-01.jsonl'), text(lines));
    const engine = new FileEngine({ dir, workers: 0 });
    const got: string[] = [];
    for await (const line of engine.lines('filter level = "ERROR"')) got.push(line);
    expect(got).toEqual(lines.filter((l) => l.includes('"ERROR"')).reverse());
    const firstTwo: Row[] = [];
    for await (const row of engine.stream('fields seq | limit 2 offset 1')) firstTwo.push(row);
    expect(firstTwo).toEqual([{ seq: 2998 }, { seq: 2997 }]);
  });
});
