import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type CreateLoggerOptions, createLogger, type Logger } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test. */
export function tempDir(prefix = 'actionlog-int-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A logger writing real files to a fresh directory, without console or exit hooks. */
export function fileLogger(options: CreateLoggerOptions = {}): { log: Logger; dir: string } {
  const dir = tempDir();
  const log = createLogger({ dir, console: false, exitHooks: false, ...options });
  return { log, dir };
}

/** A parsed record as read back from disk. */
// biome-ignore lint/suspicious/noExplicitAny: records are JSON read back from files.
export type Rec = Record<string, any>;

/** Every record of the main stream in `dir` (all segments), in file order. */
export function readRecords(dir: string): Rec[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();
  const records: Rec[] = [];
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line !== '') records.push(JSON.parse(line) as Rec);
    }
  }
  return records;
}

/** Closes the logger (everything written), then reads its records. */
export async function closeAndRead(log: Logger, dir: string): Promise<Rec[]> {
  await log.close();
  return readRecords(dir);
}

/** Starts `server` on a free port of 127.0.0.1 and returns its base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/**
 * POSTs JSON whose body arrives 30 ms after the headers, so that reading it is a separate async
 * step (where a context scope could be lost). Resolves with the response body.
 */
export function postSlowly(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<string> {
  const payload = JSON.stringify(body);
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    setTimeout(() => req.end(payload), 30);
  });
}
