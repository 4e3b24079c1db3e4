import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileMasker, parseExpression } from 'actionlog';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createIngest } from '../src/ingest/ingest.js';
import { Batcher } from '../src/store/batcher.js';
import { openStore, StoreSpecError, storePath } from '../src/store/open-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { record, tempDirs, testServers } from './helpers.js';

const tempDir = tempDirs();
const servers = testServers();

describe('SqliteStore', () => {
  it('a restart keeps every record, the full-text index and the stats', async () => {
    const dir = tempDir();
    const first = await servers.open(dir);
    await first.ingest(
      Array.from({ length: 50 }, (_, i) => record(i, { message: `event ${i} ${i === 7 ? 'needle' : ''}` })),
    );
    const before = {
      recent: (await first.call('/action-logs/recent?limit=1000')).body,
      stats: (await first.call('/action-logs/stats')).body,
      needle: (await first.call('/action-logs/search?q=%22needle%22')).body,
    };
    await first.close();
    const second = await servers.open(dir);
    expect((await second.call('/action-logs/recent?limit=1000')).body).toEqual(before.recent);
    expect((await second.call('/action-logs/stats')).body).toEqual(before.stats);
    expect((await second.call('/action-logs/search?q=%22needle%22')).body).toEqual(before.needle);
    expect(before.needle.actions).toHaveLength(1);
    await second.ingest([record(59, { message: 'after restart' })]);
    expect((await second.call('/action-logs/recent?limit=1')).body.actions[0].message).toBe('after restart');
  });

  it('creates the file 0600 in a 0700 directory, in WAL mode', async () => {
    const dir = join(tempDir(), 'nested', 'logs');
    const store = new SqliteStore({ path: join(dir, 'actionlog.db') });
    await store.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'actionlog.db')).mode & 0o777).toBe(0o600);
    const db = new Database(join(dir, 'actionlog.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('close writes what is pending; appends after close reject', async () => {
    const path = join(tempDir(), 'a.db');
    const store = new SqliteStore({ path, batchDelayMs: 60_000, batchRecords: 1_000_000 });
    const ingest = createIngest({ store, masker: compileMasker({}) });
    const pending = ingest([record(1), record(2)], { name: 'test' });
    await store.close();
    await expect(pending).resolves.toEqual({ accepted: 2, rejected: [] });
    await expect(store.append([])).rejects.toThrow('the store is closed');
    const reopened = new SqliteStore({ path });
    expect(await reopened.recent(undefined, 10)).toHaveLength(2);
    await reopened.close();
  });

  it('concurrent appends share transactions and all commit', async () => {
    const store = new SqliteStore({ path: join(tempDir(), 'a.db') });
    const ingest = createIngest({ store, masker: compileMasker({}) });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        ingest([record(i % 60, { seq: i }), record(i % 60)], { name: 'test' }),
      ),
    );
    expect(results.every((r) => r.accepted === 2)).toBe(true);
    expect((await store.stats()).total).toBe(400);
    await store.close();
  });

  it('saves a checkpoint in the same transaction as its records', async () => {
    const path = join(tempDir(), 'a.db');
    const store = new SqliteStore({ path });
    const ingest = createIngest({ store, masker: compileMasker({}) });
    expect(await store.checkpoint('file:/logs/2026-11-23.jsonl')).toBeUndefined();
    await ingest([record(1)], {
      name: 'file',
      checkpoint: { key: 'file:/logs/2026-11-23.jsonl', value: '120' },
    });
    await ingest([record(2)], {
      name: 'file',
      checkpoint: { key: 'file:/logs/2026-11-23.jsonl', value: '240' },
    });
    expect(await store.checkpoint('file:/logs/2026-11-23.jsonl')).toBe('240');
    // A batch that fails leaves neither its records nor its checkpoint.
    await expect(
      store.append([{ record: { timestamp: 'x', service: { no: 1 } }, line: '{}' }], {
        checkpoint: { key: 'file:/logs/2026-11-23.jsonl', value: '999' },
      }),
    ).rejects.toThrow(/service must be a string or a number/);
    await store.clear();
    await store.close();
    const reopened = new SqliteStore({ path });
    expect(await reopened.checkpoint('file:/logs/2026-11-23.jsonl')).toBe('240');
    expect(await reopened.recent(undefined, 10)).toEqual([]);
    await reopened.close();
  });

  it('writes the full-text index itself: a database whose index was kept by an insert trigger loses it', async () => {
    const path = join(tempDir(), 'a.db');
    await new SqliteStore({ path }).close();
    const db = new Database(path);
    db.exec(`CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN
      INSERT INTO records_fts (rowid, message, error_type, error_message) VALUES (new.id, new.message, NULL, NULL);
    END`);
    db.close();
    const store = new SqliteStore({ path });
    const ingest = createIngest({ store, masker: compileMasker({}) });
    await ingest([record(1, { message: 'indexed once' })], { name: 'test' });
    const page = await store.search({ q: parseExpression('"indexed once"') }, undefined, 10);
    expect(page.records.map((r) => r.message)).toEqual(['indexed once']);
    await store.close();
    const check = new Database(path, { readonly: true });
    expect(
      check.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all(),
    ).toEqual([{ name: 'records_fts_delete' }]);
    check.close();
  });

  it('refuses a database from a newer server, and a file that is not a database', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.db');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteStore({ path })).toThrow(
      /written by a newer actionlog server \(schema 99; this one knows 1\)/,
    );
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite'.repeat(100));
    expect(() => new SqliteStore({ path: junk })).toThrow(/not a database/);
  });

  it('searches by a scan, with the same results, without the full-text index', async () => {
    const dir = tempDir();
    const records = [
      record(1, { message: 'Timeout talking to the model' }),
      record(2, { message: 'ok', error: { type: 'TimeoutError', message: 'x' } }),
      record(3, { message: 'fine', data: { note: 'timeout' } }),
    ];
    const withIndex = await servers.open(dir);
    await withIndex.ingest(records);
    const store = new SqliteStore({ path: join(dir, 'scan.db'), fullText: false });
    expect(store.fullText).toBe(false);
    const ingest = createIngest({ store, masker: compileMasker({}) });
    await ingest(records, { name: 'test' });
    for (const q of ['"timeout"', '"timeout" and not "model"', 'not "timeout"', '"ok"']) {
      const expected = (await withIndex.call(`/action-logs/search?q=${encodeURIComponent(q)}`)).body.actions;
      const page = await store.search({ q: parseExpression(q) }, undefined, 100);
      expect(
        page.records.map((r) => r.message),
        q,
      ).toEqual(expected.map((a: { message: string }) => a.message));
    }
    await store.close();
  });
});

describe('store specs', () => {
  it('sqlite:<path>, or {dir}/actionlog.db by default', () => {
    expect(storePath(undefined, 'logs', '/srv')).toBe('/srv/logs/actionlog.db');
    expect(storePath('sqlite:data/x.db', 'logs', '/srv')).toBe('/srv/data/x.db');
    expect(storePath('sqlite:/abs/x.db', 'logs', '/srv')).toBe('/abs/x.db');
    expect(storePath('sqlite::memory:', 'logs', '/srv')).toBe(':memory:');
    expect(() => storePath('clickhouse://host', 'logs')).toThrow(StoreSpecError);
    expect(() => storePath('clickhouse://host', 'logs')).toThrow(
      '--store: got "clickhouse://host"; expected sqlite:<path>',
    );
    expect(() => storePath('sqlite:', 'logs')).toThrow(/needs a file path/);
    const store = openStore('sqlite::memory:', 'logs');
    expect(store.description).toBe('sqlite :memory:');
    return store.close();
  });
});

describe('Batcher', () => {
  it('writes on size or after the delay, in order, and fails only the batch that failed', async () => {
    const written: number[][] = [];
    const batcher = new Batcher<number>({
      write: (jobs) => {
        if (jobs.includes(-1)) throw new Error('boom');
        written.push(jobs);
      },
      size: () => 1,
      maxRecords: 3,
      maxDelayMs: 20,
    });
    const a = [batcher.add(1), batcher.add(2), batcher.add(3), batcher.add(4)];
    await Promise.all(a);
    expect(written).toEqual([[1, 2, 3], [4]]);
    await expect(batcher.add(-1)).rejects.toThrow('boom');
    await batcher.add(5);
    expect(written).toEqual([[1, 2, 3], [4], [5]]);
    await batcher.close();
    await expect(batcher.add(6)).rejects.toThrow('the store is closed');
  });
});
