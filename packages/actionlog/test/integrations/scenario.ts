import { EventEmitter } from 'node:events';
import { expect } from 'vitest';
import { currentContext, type Logger } from '../../src/index.js';
import { type Rec, sleep } from './helpers.js';

/**
 * What a handler does in the concurrency tests: awaits, a timer, an event emitter and a promise
 * chain, logging after each. Returns the request id it sees at the end.
 */
export async function requestWork(log: Logger, n: number): Promise<string | undefined> {
  await sleep(Math.random() * 15);
  await new Promise<void>((resolve) =>
    setTimeout(() => {
      log.info('after timer', { n });
      resolve();
    }, Math.random() * 10),
  );
  const emitter = new EventEmitter();
  const heard = new Promise<void>((resolve) =>
    emitter.once('ready', () => {
      log.info('in listener', { n });
      resolve();
    }),
  );
  setImmediate(() => emitter.emit('ready'));
  await heard;
  await Promise.resolve(n)
    .then((value) => sleep(Math.random() * 5).then(() => value))
    .then((value) => log.info('end of chain', { n: value }));
  return currentContext()?.request_id as string | undefined;
}

/** 100 requests at once, each with its own `x-request-id`; each must see only its own. */
export async function fireConcurrent(base: string, path: (n: number) => string, count = 100): Promise<void> {
  const responses = await Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const response = await fetch(base + path(n), { headers: { 'x-request-id': `req-${n}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe(`req-${n}`);
      return (await response.json()) as { seen: string };
    }),
  );
  responses.forEach((body, n) => {
    expect(body.seen).toBe(`req-${n}`);
  });
}

/** Every application record carries the id of the request that logged it; one request record each. */
export function expectOwnIds(records: Rec[], route: string, count = 100): void {
  const appRecords = records.filter((r) => r.data?.n !== undefined && r.action === undefined);
  expect(appRecords).toHaveLength(count * 3);
  for (const record of appRecords) expect(record.request_id).toBe(`req-${record.data.n}`);
  const requests = records.filter((r) => r.action === 'http_request');
  expect(requests).toHaveLength(count);
  expect(new Set(requests.map((r) => r.request_id)).size).toBe(count);
  for (const record of requests) {
    expect(record.data.route).toBe(route);
    expect(record.data.status_code).toBe(200);
  }
}
