import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { tempDirs, testServers } from './helpers.js';

const tempDir = tempDirs();
const servers = testServers();

describe('errors are {"detail"} with the right status', () => {
  it('404 for an unknown route or method, naming it', async () => {
    const server = await servers.open(tempDir());
    for (const [method, url] of [
      ['GET', '/nope'],
      ['GET', '/action-logs'],
      ['DELETE', '/action-logs/recent'],
      ['GET', '/action-logs/clear'],
    ] as const) {
      const response = await server.call({ method, url });
      expect(response.status, `${method} ${url}`).toBe(404);
      expect(response.body).toEqual({ detail: `no route ${method} ${url}` });
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    }
  });

  it('500 without internals: the cause goes to the reporter, the client gets a fixed sentence', async () => {
    const dir = tempDir();
    const real = new SqliteStore({ path: `${dir}/a.db` });
    const broken: Store = Object.assign(Object.create(real) as Store, {
      recent: async () => {
        throw new Error('SQLITE_IOERR: disk I/O error at /secret/path/actionlog.db');
      },
      stats: async () => {
        throw Object.assign(new Error('weird'), { statusCode: 'not a number' });
      },
    });
    const reported: unknown[] = [];
    const app = await buildApp({ store: broken, onInternalError: (error) => reported.push(error) });
    try {
      for (const url of ['/action-logs/recent', '/action-logs/failed', '/action-logs/stats']) {
        const response = await app.inject({ url });
        expect(response.statusCode, url).toBe(500);
        expect(response.json()).toEqual({ detail: 'internal server error (the cause is in the server log)' });
        expect(response.body).not.toContain('secret');
      }
      expect(reported).toHaveLength(3);
      expect(String(reported[0])).toContain('SQLITE_IOERR');
    } finally {
      await app.close();
      await real.close();
    }
  });

  it('the default reporter writes the cause to stderr', async () => {
    const dir = tempDir();
    const real = new SqliteStore({ path: `${dir}/a.db` });
    const broken: Store = Object.assign(Object.create(real) as Store, {
      recent: async () => {
        throw new Error('the real cause');
      },
    });
    const app = await buildApp({ store: broken });
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      expect((await app.inject({ url: '/action-logs/recent?limit=3' })).statusCode).toBe(500);
    } finally {
      process.stderr.write = write;
      await app.close();
      await real.close();
    }
    expect(written.join('')).toMatch(
      /^actionlog server: GET \/action-logs\/recent failed: Error: the real cause/,
    );
  });

  it('a store that cannot write makes ingest a 500, and nothing half-stored', async () => {
    const server = await servers.open(tempDir());
    await server.store.close();
    const response = await server.call({ method: 'POST', url: '/action-logs', payload: [{ message: 'x' }] });
    expect(response.status).toBe(500);
    expect(response.body.detail).toBe('internal server error (the cause is in the server log)');
    expect(servers.internalErrors.map(String)).toEqual(['Error: the store is closed']);
    servers.internalErrors.splice(0);
  });
});
