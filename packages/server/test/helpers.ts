import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterEach } from 'vitest';
import { type AppOptions, buildApp } from '../src/app.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies by value.
type Body = any;

/** Temporary directories, removed after the test that made them. */
export function tempDirs(prefix = 'actionlog-server-'): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

export interface TestServer {
  app: FastifyInstance;
  store: SqliteStore;
  path: string;
  /** `inject`, with the body parsed when it is JSON. */
  call(
    options: InjectOptions | string,
  ): Promise<{ status: number; body: Body; headers: Record<string, unknown>; text: string }>;
  /** POST /action-logs with these records as a JSON array; fails the test unless all are accepted. */
  ingest(records: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * An app over a real SQLite file in `dir`, closed after the test. 500s are collected in
 * `internalErrors` (a test that expects none checks it is empty).
 */
export function testServers(): {
  open(dir: string, options?: Partial<AppOptions>): Promise<TestServer>;
  internalErrors: unknown[];
} {
  const open: TestServer[] = [];
  const internalErrors: unknown[] = [];
  afterEach(async () => {
    for (const server of open.splice(0)) await server.close();
    internalErrors.splice(0);
  });
  return {
    internalErrors,
    async open(dir, options = {}) {
      const path = join(dir, 'actionlog.db');
      const store = new SqliteStore({ path });
      const app = await buildApp({
        store,
        onInternalError: (error) => internalErrors.push(error),
        ...options,
      });
      let closed = false;
      const server: TestServer = {
        app,
        store,
        path,
        async call(request) {
          const response = await app.inject(typeof request === 'string' ? { url: request } : request);
          const type = String(response.headers['content-type'] ?? '');
          return {
            status: response.statusCode,
            body: type.startsWith('application/json') ? response.json() : response.body,
            headers: response.headers,
            text: response.body,
          };
        },
        async ingest(records) {
          const response = await server.call({
            method: 'POST',
            url: '/action-logs',
            payload: records as object,
          });
          if (response.status !== 202 || response.body.rejected.length > 0) {
            throw new Error(`ingest failed: ${response.status} ${response.text}`);
          }
        },
        async close() {
          if (closed) return;
          closed = true;
          await app.close();
          await store.close();
        },
      };
      open.push(server);
      return server;
    },
  };
}

/** A record with the fields the original API shows, at `minute` minutes past 10:00 on 2026-11-23. */
export function record(minute: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const mm = String(Math.floor(minute)).padStart(2, '0');
  return {
    timestamp: `2026-11-23T10:${mm}:00.000Z`,
    level: 'INFO',
    message: `step ${minute}`,
    action: 'createCase',
    service: 'CaseService',
    status: 'success',
    duration_ms: 10 + minute,
    ...fields,
  };
}
