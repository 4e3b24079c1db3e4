import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/index.js';
import { tempDirs } from '../temp-dirs.js';

const tempDir = tempDirs('actionlog-sink-');

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** A clock the test moves by hand. */
function manualClock(start: string) {
  let now = Date.parse(start);
  return { now: () => now, set: (iso: string) => (now = Date.parse(iso)) };
}

describe('file sink', () => {
  it('starts a new file at UTC midnight', async () => {
    const dir = tempDir();
    const clock = manualClock('2026-11-22T23:59:59.900Z');
    const log = createLogger({ dir, console: false, exitHooks: false, clock: clock.now });
    log.info('before midnight');
    clock.set('2026-11-23T00:00:00.001Z');
    log.info('after midnight');
    await log.close();
    expect(
      readdirSync(dir)
        .filter((n) => n.endsWith('.jsonl'))
        .sort(),
    ).toEqual(['2026-11-22.jsonl', '2026-11-23.jsonl']);
    expect(lines(join(dir, '2026-11-22.jsonl')).map((r) => r.message)).toEqual(['before midnight']);
    expect(lines(join(dir, '2026-11-23.jsonl'))[0]).toMatchObject({
      message: 'after midnight',
      timestamp: '2026-11-23T00:00:00.001Z',
    });
  });

  it('splits a day into size segments and a restart continues the newest one', async () => {
    const dir = tempDir();
    const clock = manualClock('2026-11-23T10:00:00.000Z');
    const padding = 'p'.repeat(200);
    const first = createLogger({
      dir,
      console: false,
      exitHooks: false,
      clock: clock.now,
      file: { maxFileSize: '4KB' },
    });
    for (let i = 0; i < 50; i++) first.info(`first ${i}`, { padding });
    await first.close();
    const afterFirst = readdirSync(dir)
      .filter((n) => n.endsWith('.jsonl'))
      .sort();
    expect(afterFirst.length).toBeGreaterThan(2);
    for (const name of afterFirst) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(4096);

    const second = createLogger({
      dir,
      console: false,
      exitHooks: false,
      clock: clock.now,
      file: { maxFileSize: '4KB' },
    });
    for (let i = 0; i < 5; i++) second.info(`second ${i}`, { padding });
    await second.close();
    const afterSecond = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
    // Every record of both runs is there exactly once, in order.
    const ordered = afterSecond
      .map((name) => ({ name, index: Number(name.split('.')[1]) || 0 }))
      .sort((a, b) => a.index - b.index)
      .flatMap(({ name }) => lines(join(dir, name)).map((r) => r.message));
    expect(ordered).toEqual([
      ...Array.from({ length: 50 }, (_, i) => `first ${i}`),
      ...Array.from({ length: 5 }, (_, i) => `second ${i}`),
    ]);
    // The second run went on in the last segment (or the next one), never back to the first.
    expect(lines(join(dir, '2026-11-23.jsonl')).every((r) => String(r.message).startsWith('first'))).toBe(
      true,
    );
  });

  it('ends a torn last line left by a crash before appending', async () => {
    const dir = tempDir();
    const clock = manualClock('2026-11-23T10:00:00.000Z');
    writeFileSync(
      join(dir, '2026-11-23.jsonl'),
      '{"timestamp":"2026-11-23T09:00:00.000Z","message":"whole"}\n{"timestamp":"2026-11-2',
    );
    const log = createLogger({ dir, console: false, exitHooks: false, clock: clock.now });
    log.info('after restart');
    await log.close();
    const text = readFileSync(join(dir, '2026-11-23.jsonl'), 'utf8').split('\n');
    expect(text[1]).toBe('{"timestamp":"2026-11-2');
    expect(JSON.parse(text[2]).message).toBe('after restart');
  });

  it('creates files 0600 and directories 0700, and routes audit and filtered streams', async () => {
    const dir = join(tempDir(), 'nested', 'logs');
    const log = createLogger({
      dir,
      console: false,
      exitHooks: false,
      streams: [{ name: 'errors', level: 'ERROR' }],
    });
    log.info('plain');
    log.error('bad');
    log.audit('role_granted', { user_id: 'u1' });
    await log.close();
    const day = new Date().toISOString().slice(0, 10);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'audit')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'errors')).mode & 0o777).toBe(0o700);
    for (const file of [`${day}.jsonl`, `audit/${day}.jsonl`, `errors/${day}.jsonl`]) {
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    }
    expect(lines(join(dir, `${day}.jsonl`)).map((r) => r.message)).toEqual(['plain', 'bad', 'role_granted']);
    expect(lines(join(dir, `audit/${day}.jsonl`)).map((r) => r.message)).toEqual(['role_granted']);
    expect(lines(join(dir, `errors/${day}.jsonl`)).map((r) => r.message)).toEqual(['bad']);
  });

  it('two loggers on one directory share the file without clobbering each other', async () => {
    const dir = tempDir();
    const a = createLogger({ dir, console: false, exitHooks: false, app: 'a' });
    const b = createLogger({ dir, console: false, exitHooks: false, app: 'b' });
    for (let i = 0; i < 1000; i++) {
      a.info(`a${i}`);
      b.info(`b${i}`);
    }
    await a.close();
    b.info('b after a closed');
    await b.close();
    const day = new Date().toISOString().slice(0, 10);
    const records = lines(join(dir, `${day}.jsonl`));
    expect(records).toHaveLength(2001);
    expect(records.filter((r) => r.app === 'a')).toHaveLength(1000);
    expect(records.at(-1)?.message).toBe('b after a closed');
  });

  it('drop policy counts what it drops and reports it in a WARNING record', async () => {
    const dir = tempDir();
    const log = createLogger({
      dir,
      console: false,
      exitHooks: false,
      file: { overflow: 'drop', maxBufferBytes: '64KB', batchBytes: '16KB', flushIntervalMs: 1000 },
      audit: { enabled: false },
    });
    const padding = 'x'.repeat(1000);
    for (let i = 0; i < 2000; i++) log.info(`r${i}`, { padding });
    const dropped = log.health().dropped;
    expect(dropped).toBeGreaterThan(0);
    await log.flush();
    await log.close();
    const day = new Date().toISOString().slice(0, 10);
    const records = lines(join(dir, `${day}.jsonl`));
    const warning = records.find((r) => String(r.message).startsWith('dropped '));
    expect(warning).toMatchObject({ level: 'WARNING', data: { dropped } });
    expect(records.filter((r) => String(r.message).startsWith('r'))).toHaveLength(2000 - dropped);
  });

  it('flush() resolves once everything is on disk; block policy bounds memory without losing records', async () => {
    const dir = tempDir();
    const log = createLogger({
      dir,
      console: false,
      exitHooks: false,
      file: { maxBufferBytes: '64KB', batchBytes: '16KB' },
      audit: { enabled: false },
    });
    for (let i = 0; i < 20_000; i++) log.info(`r${i}`, { i });
    expect(log.health().sinks[0].bufferedBytes).toBeLessThanOrEqual(64 * 1024);
    await log.flush();
    expect(log.health().buffered).toBe(0);
    const day = new Date().toISOString().slice(0, 10);
    expect(lines(join(dir, `${day}.jsonl`))).toHaveLength(20_000);
    await log.close();
  });
});
