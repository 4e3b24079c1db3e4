import { EventEmitter, EventEmitterAsyncResource } from 'node:events';
import { describe, expect, it } from 'vitest';
import { currentContext, withContext } from '../../src/index.js';
import { closeAndRead, fileLogger, sleep } from './helpers.js';

describe('withContext', () => {
  it('survives await, setTimeout, setImmediate, queueMicrotask and promise chains', async () => {
    const { log, dir } = fileLogger();
    await withContext({ session_id: 's-1', user_id: 'ann' }, async () => {
      await sleep(2);
      log.info('after await');
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          log.info('in setTimeout');
          resolve();
        }, 1),
      );
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          log.info('in setImmediate');
          resolve();
        }),
      );
      await new Promise<void>((resolve) =>
        queueMicrotask(() => {
          log.info('in queueMicrotask');
          resolve();
        }),
      );
      await Promise.resolve()
        .then(() => sleep(1))
        .then(() => log.info('in a promise chain'));
    });
    log.info('outside');
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.message, r.session_id, r.user_id])).toEqual([
      ['after await', 's-1', 'ann'],
      ['in setTimeout', 's-1', 'ann'],
      ['in setImmediate', 's-1', 'ann'],
      ['in queueMicrotask', 's-1', 'ann'],
      ['in a promise chain', 's-1', 'ann'],
      ['outside', undefined, undefined],
    ]);
  });

  it('nested scopes add to the outer one; listeners run in the scope of whoever emits', async () => {
    const { log, dir } = fileLogger();
    const shared = new EventEmitter();
    shared.on('job', () => log.info('plain emitter listener'));
    const bound = withContext({ session_id: 'owner' }, () => new EventEmitterAsyncResource({ name: 'jobs' }));
    bound.on('job', () => log.info('bound emitter listener'));
    await withContext({ session_id: 's-2' }, async () => {
      await withContext({ execution_id: 'e-1' }, async () => {
        await sleep(1);
        shared.emit('job');
        bound.emit('job');
      });
    });
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.message, r.session_id, r.execution_id])).toEqual([
      ['plain emitter listener', 's-2', 'e-1'],
      // EventEmitterAsyncResource keeps the scope it was created in: how to hand work across scopes.
      ['bound emitter listener', 'owner', undefined],
    ]);
  });

  it('100 concurrent scopes never see each other’s ids', async () => {
    const { log, dir } = fileLogger();
    const seen = await Promise.all(
      Array.from({ length: 100 }, (_, n) =>
        withContext({ request_id: `r-${n}` }, async () => {
          for (let step = 0; step < 3; step++) {
            await sleep(Math.random() * 5);
            log.info('step', { n, step });
          }
          return currentContext()?.request_id;
        }),
      ),
    );
    expect(seen).toEqual(Array.from({ length: 100 }, (_, n) => `r-${n}`));
    const records = await closeAndRead(log, dir);
    expect(records).toHaveLength(300);
    for (const record of records) expect(record.request_id).toBe(`r-${record.data.n}`);
  });
});
