import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { difference, type LogFixture, makeRecords, writeLogDir } from './fixtures.js';

// Worker threads load the compiled scan worker, so this suite runs the built package (dist/).
const { FileEngine } = (await import(
  new URL('../../dist/index.js', import.meta.url).href
)) as typeof import('../../src/index.js');

const QUERIES = [
  '',
  'filter status = "failed" | limit 25',
  '"rate limit" and level >= "warn"',
  'stats count() as n, p95(duration_ms) as p95, count_distinct(session_id) as s by service, bin(6h)',
  'sort duration_ms desc | limit 13',
  'filter exists(data.tool_name) | fields timestamp, data.tool_name, error.message | limit 40',
  'parse message "Tool use: *" as tool | stats count() by tool',
];

let files: LogFixture;
beforeAll(() => {
  files = writeLogDir(makeRecords(20_000, 5));
});
afterAll(() => files.cleanup());

describe('worker threads', () => {
  it('give the same answers as scanning in-process', async () => {
    const inline = new FileEngine({ dir: files.dir, workers: 0 });
    const threaded = new FileEngine({ dir: files.dir, workers: 2 });
    for (const query of QUERIES) {
      const a = await inline.run(query);
      const b = await threaded.run(query);
      expect(b.stats.workers, query).toBe(2);
      expect(a.stats.workers).toBe(0);
      expect(difference(b.rows, a.rows), query).toBeUndefined();
    }
  });

  it('a worker that stops without an error fails the query with a message, never hangs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'actionlog-dying-worker-'));
    try {
      const script = join(dir, 'dies.mjs');
      writeFileSync(script, 'process.exit(3);\n');
      const engine = new FileEngine({ dir: files.dir, workers: 2, workerScript: pathToFileURL(script) });
      await expect(engine.run('stats count() as n')).rejects.toThrow(/scan worker stopped \(exit code 3\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two workers running out of work at the same moment still end the query (tables are answered)', async () => {
    // A scripted scan worker speaking the pool's protocol answers each unit (empty) on the next
    // 20 ms tick of the wall clock, so both workers answer their last units in the same instant,
    // both then find nothing left, and the run must end once, leaving the listeners of the
    // tables() request that follows in place. Before the fix the second end removed them and the
    // query waited forever.
    const dir = mkdtempSync(join(tmpdir(), 'actionlog-lockstep-worker-'));
    const small = writeLogDir(makeRecords(400, 5));
    try {
      const script = join(dir, 'lockstep.mjs');
      writeFileSync(
        script,
        `import { parentPort } from 'node:worker_threads';
const nap = new Int32Array(new SharedArrayBuffer(4));
parentPort.on('message', (m) => {
  if (m.type === 'finish') return parentPort.postMessage({ type: 'tables', tables: [undefined] });
  const tick = (Math.floor(Date.now() / 20) + 2) * 20;
  Atomics.wait(nap, 0, 0, Math.max(0, tick - Date.now() - 2));
  while (Date.now() < tick) {}
  parentPort.postMessage({ type: 'result', result: {
    id: m.unit.id, bytes: 0, parsed: 0, matched: 0, corrupt: 0, torn: 0, crossed: false, sinks: [{ kind: 'stats' }],
  } });
});
`,
      );
      const engine = new FileEngine({ dir: small.dir, workers: 2, workerScript: pathToFileURL(script) });
      for (let round = 0; round < 20; round++) {
        let timer: NodeJS.Timeout | undefined;
        const hung = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`round ${round}: the query never ended`)), 5_000);
        });
        const result = await Promise.race([engine.run('stats count() as n'), hung]);
        clearTimeout(timer);
        expect(result.stats.workers).toBe(2);
        expect(result.rows).toEqual([{ n: 0 }]);
      }
    } finally {
      small.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answer several queries in one pass (the stats summary) the same way', async () => {
    const queries = [
      'stats count() as n by level',
      'filter status = "failed" | stats count() as n',
      'sort duration_ms desc | limit 3',
    ];
    const inline = await new FileEngine({ dir: files.dir, workers: 0 }).runAll(queries);
    const threaded = await new FileEngine({ dir: files.dir, workers: 2 }).runAll(queries);
    expect(
      difference(
        threaded.map((r) => r.rows),
        inline.map((r) => r.rows),
      ),
    ).toBeUndefined();
  });
});
