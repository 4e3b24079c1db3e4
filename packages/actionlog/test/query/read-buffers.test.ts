import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemberGzip, memberHeader } from '../../src/files/gzip-members.js';
import { FileEngine } from '../../src/index.js';
import { FoldedSearch } from '../../src/query/engine/fold-search.js';
import { MemberInflater } from '../../src/query/engine/member-inflater.js';
import { CHUNK_BYTES } from '../../src/query/engine/unit-reader.js';
import { difference, type LogFixture, makeRecords, writeLogDir } from './fixtures.js';

/**
 * The scan reads plain segments into buffers it keeps (inside the search kernel's memory for a
 * full-text query) and inflates gzip members into one kept buffer. Reuse must never show one
 * query another's bytes, nor one member the last one's.
 */

async function memberRun(text: string, memberBytes: number): Promise<Buffer> {
  return collect(Readable.from([Buffer.from(text)]).pipe(createMemberGzip(6, memberBytes)));
}

function splitMembers(packed: Buffer): Array<{ at: number; length: number; rawLength: number }> {
  const out = [];
  for (let at = 0; at < packed.length; ) {
    const header = memberHeader(packed, at)!;
    out.push({ at, length: header.length, rawLength: header.rawLength });
    at += header.length;
  }
  return out;
}

describe('member inflater', () => {
  const text = Array.from(
    { length: 30_000 },
    (_, i) => `{"seq":${i},"message":"line ${i} ${'y'.repeat(i % 97)}"}\n`,
  ).join('');

  it('gives each member exactly as gunzip does, a carried prefix first, the kept buffer reused', async () => {
    const packed = await memberRun(text, 256 << 10);
    const members = splitMembers(packed);
    expect(members.length).toBeGreaterThan(4);
    const inflater = new MemberInflater();
    let whole = '';
    const backing = new Set<ArrayBufferLike>();
    for (const [i, m] of members.entries()) {
      const prefix = i === 2 ? Buffer.from('PREFIX') : undefined;
      const out = inflater.inflate(packed, m.at, m.length, m.rawLength, prefix);
      const expected = gunzipSync(packed.subarray(m.at, m.at + m.length));
      expect(out.equals(prefix ? Buffer.concat([prefix, expected]) : expected)).toBe(true);
      backing.add(out.buffer);
      whole += out.toString('latin1').replace(/^PREFIX/, '');
    }
    expect(whole).toBe(text);
    // One buffer, grown when a member is larger than any before: far fewer than the members.
    expect(backing.size).toBeLessThan(members.length / 2);
  });

  it('grows past a size the header under-states, and a damaged member is an error the next one survives', async () => {
    const packed = await memberRun(text, 1 << 20);
    const [first, second] = splitMembers(packed);
    const inflater = new MemberInflater();
    // The header says 10 bytes; the member holds about 1 MB: the output doubles until it fits.
    const out = inflater.inflate(packed, first.at, first.length, 10);
    expect(out.equals(gunzipSync(packed.subarray(first.at, first.at + first.length)))).toBe(true);
    const damaged = Buffer.from(packed);
    damaged.fill(0x55, second.at + 200, second.at + 600);
    expect(() => inflater.inflate(damaged, second.at, second.length, second.rawLength)).toThrow(
      /gzip member: /,
    );
    const again = inflater.inflate(packed, second.at, second.length, second.rawLength);
    expect(again.equals(gunzipSync(packed.subarray(second.at, second.at + second.length)))).toBe(true);
  });
});

describe('read buffers shared by queries in one thread', () => {
  let files: LogFixture;
  beforeAll(() => {
    files = writeLogDir(makeRecords(30_000, 11));
  });
  afterAll(() => files.cleanup());

  it('full-text queries run at once (more readers than kernel slots) answer as run one by one', async () => {
    const queries = [
      '"rate limit"',
      '"tool use" | limit 30',
      '"naïve" and status = "failed"',
      '"quoted"',
      '"rate" | stats count() as n by service',
    ];
    const engine = new FileEngine({ dir: files.dir, workers: 0 });
    const alone = [];
    for (const query of queries) alone.push((await engine.run(query)).rows);
    for (let round = 0; round < 3; round++) {
      const together = await Promise.all(queries.map((query) => engine.run(query)));
      expect(
        difference(
          together.map((r) => r.rows),
          alone,
        ),
      ).toBeUndefined();
    }
    expect(alone[0].length).toBeGreaterThan(0);
  });
});

describe('a line longer than a read slot', () => {
  it('is joined in a buffer of its own, and stats and full text still see every line', async () => {
    // 5 MB of message: longer than a 4 MB slot, so the reader leaves the kernel's memory for a
    // buffer of its own while a read is under way into a slot; the kernel's copy space cannot
    // grow then, and those chunks are read without it (same answers).
    const dir = mkdtempSync(join(tmpdir(), 'actionlog-long-line-'));
    try {
      const line = (i: number, message: string) =>
        JSON.stringify({
          timestamp: `2026-05-06T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
          level: 'INFO',
          message,
          service: i % 2 ? 'A' : 'B',
          duration_ms: i,
        });
      const lines = [];
      for (let i = 0; i < 20_000; i++)
        lines.push(line(i, i === 15_000 ? `rate limit ${'z'.repeat(5 << 20)}` : `m ${i}`));
      writeFileSync(join(dir, '2026-05-06.jsonl'), `${lines.join('\n')}\n`);
      const engine = new FileEngine({ dir, workers: 0 });
      const stats = await engine.run(
        'stats count() as n, sum(duration_ms) as total by service | sort service',
      );
      const sum = (odd: number) => {
        let total = 0;
        for (let i = odd; i < 20_000; i += 2) total += i;
        return total;
      };
      expect(stats.rows).toEqual([
        { service: 'A', n: 10_000, total: sum(1) },
        { service: 'B', n: 10_000, total: sum(0) },
      ]);
      expect(stats.stats.corrupt + stats.stats.torn).toBe(0);
      for (let round = 0; round < 3; round++) {
        const text = await engine.run('"RATE LIMIT" | fields duration_ms');
        expect(text.rows).toEqual([{ duration_ms: 15_000 }]);
      }
      // Both of the search kernel's read slots came back: the next reader gets them, not
      // JavaScript buffers (two views of the same WebAssembly memory).
      const slots = FoldedSearch.readBuffers()!;
      const [a, b] = [slots.take(CHUNK_BYTES), slots.take(CHUNK_BYTES)];
      expect(a.buffer === b.buffer, 'both slots are views of the kernel memory').toBe(true);
      expect(a.byteOffset).not.toBe(b.byteOffset);
      slots.giveBack(a);
      slots.giveBack(b);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
