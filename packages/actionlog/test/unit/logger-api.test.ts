import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { withContext } from '../../src/index.js';
import { memoryLogger } from './memory-logger.js';

describe('records', () => {
  it('fills timestamp, seq, level, host, pid, app in the documented key order', () => {
    const { log, sink } = memoryLogger({ app: 'shop', name: 'shop.cases', service: 'CaseService' });
    log.info('created', {
      action: 'createCase',
      status: 'success',
      duration_ms: 12.5,
      session_id: 's1',
      order: 7,
    });
    log.info('second');
    const [first, second] = sink.records();
    expect(first.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(first.timestamp) - Date.now())).toBeLessThan(5000);
    expect(second.seq).toBe(first.seq + 1);
    expect(Object.keys(first)).toEqual([
      'timestamp',
      'seq',
      'level',
      'category',
      'logger',
      'message',
      'action',
      'service',
      'status',
      'duration_ms',
      'session_id',
      'data',
      'host',
      'pid',
      'app',
    ]);
    expect(first).toMatchObject({
      level: 'INFO',
      category: 'system',
      logger: 'shop.cases',
      service: 'CaseService',
      data: { order: 7 },
      host: hostname(),
      pid: process.pid,
      app: 'shop',
    });
  });

  it('filters by level before doing any work', () => {
    const { log, sink } = memoryLogger({ level: 'warning' });
    let touched = false;
    const fields = {
      get expensive() {
        touched = true;
        return 1;
      },
    };
    log.debug('d', fields);
    log.info('i', fields);
    log.warn('w');
    log.error('e');
    log.critical('c');
    expect(touched).toBe(false);
    expect(sink.records().map((r) => r.level)).toEqual(['WARNING', 'ERROR', 'CRITICAL']);
    expect(log.isLevelEnabled('INFO')).toBe(false);
  });

  it('derives category from the logger name by prefix, longest prefix first', () => {
    const { log, sink } = memoryLogger({ categories: { shop: 'http', 'shop.auth': 'security' } });
    log.child({ logger: 'shop.auth.routes' }).info('a');
    log.child({ logger: 'shop.cart' }).info('b');
    log.child({ logger: 'shopping' }).info('c');
    log.child({ logger: 'shop.cart' }).info('d', { category: 'performance' });
    expect(sink.records().map((r) => r.category)).toEqual(['security', 'http', 'system', 'performance']);
  });
});

describe('action API', () => {
  it('action() puts unknown fields in data and honours the allow/deny list', () => {
    const { log, sink } = memoryLogger({ actions: { deny: ['agent_thinking'] } });
    log.action('tool_call', { tool_name: 'bash', args: { cmd: 'ls' }, session_id: 's' });
    log.action('agent_thinking', { text: 'hmm' });
    const records = sink.records();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      action: 'tool_call',
      session_id: 's',
      data: { tool_name: 'bash', args: { cmd: 'ls' } },
    });

    const allowed = memoryLogger({ actions: { allow: ['tool_call'] } });
    allowed.log.action('tool_call');
    allowed.log.action('llm_request');
    allowed.log.info('an action field follows the list too', { action: 'llm_request' });
    allowed.log.info('plain record without action');
    expect(allowed.sink.records().map((r) => r.message)).toEqual([
      'tool_call',
      'plain record without action',
    ]);
  });

  it('track() logs success and failure for sync and async functions and passes results through', async () => {
    const { log, sink } = memoryLogger();
    expect(log.track('sum', () => 1 + 1)).toBe(2);
    await expect(log.track('fetch', async () => 'body')).resolves.toBe('body');
    expect(() =>
      log.track('explode', () => {
        throw new Error('sync boom');
      }),
    ).toThrow('sync boom');
    await expect(
      log.track('reject', async () => Promise.reject(new Error('async boom')), { user_id: 'u' }),
    ).rejects.toThrow('async boom');
    const records = sink.records();
    expect(records.map((r) => [r.action, r.status, r.level])).toEqual([
      ['sum', 'success', 'INFO'],
      ['fetch', 'success', 'INFO'],
      ['explode', 'failed', 'ERROR'],
      ['reject', 'failed', 'ERROR'],
    ]);
    for (const record of records) expect(typeof record.duration_ms).toBe('number');
    expect(records[3].error?.message).toBe('async boom');
    expect(records[3].user_id).toBe('u');
  });

  it('time() logs duration_ms when ended, once', async () => {
    const { log, sink } = memoryLogger();
    const end = log.time('query', { service: 'Db' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    end({ rows: 3 });
    end();
    const [record] = sink.records();
    expect(sink.records()).toHaveLength(1);
    expect(record).toMatchObject({ action: 'query', service: 'Db', status: 'success', data: { rows: 3 } });
    expect(record.duration_ms).toBeGreaterThanOrEqual(15);
  });

  it('logAction() is the one-call form; failures are ERROR', () => {
    const { log, sink } = memoryLogger();
    log.logAction('CaseService', 'createCase', 'success', 12);
    log.logAction('CaseService', 'closeCase', 'failed', 40, new Error('locked'));
    const [ok, failed] = sink.records();
    expect(ok).toMatchObject({
      level: 'INFO',
      service: 'CaseService',
      action: 'createCase',
      status: 'success',
      duration_ms: 12,
    });
    expect(failed).toMatchObject({
      level: 'ERROR',
      action: 'closeCase',
      status: 'failed',
      error: { message: 'locked' },
    });
  });

  it('audit() writes category audit', () => {
    const { log, sink } = memoryLogger();
    log.audit('config_change', { user_id: 'admin', key: 'plan' });
    expect(sink.records()[0]).toMatchObject({
      category: 'audit',
      action: 'config_change',
      user_id: 'admin',
      data: { key: 'plan' },
    });
  });
});

describe('bindings and context', () => {
  it('child bindings reach every record; the call wins over the binding', () => {
    const { log, sink } = memoryLogger();
    const child = log.child({ session_id: 's1', user_id: 'u1', tenant: 'acme' });
    const grandchild = child.child({ request_id: 'r1', user_id: 'u2' });
    grandchild.info('hello', { session_id: 's2', extra: 1 });
    expect(sink.records()[0]).toMatchObject({
      session_id: 's2',
      request_id: 'r1',
      user_id: 'u2',
      data: { tenant: 'acme', extra: 1 },
    });
  });

  it('withContext carries ids through await, timers and event emitters, without leaking between concurrent tasks', async () => {
    const { log, sink } = memoryLogger();
    const { EventEmitter } = await import('node:events');
    const task = (id: number) =>
      withContext({ request_id: `req-${id}`, session_id: `s-${id}` }, async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        log.info('after await');
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            log.info('in timer');
            resolve();
          }, 1),
        );
        const emitter = new EventEmitter();
        emitter.on('go', () => log.info('in emitter'));
        emitter.emit('go');
        await Promise.resolve().then(() => log.info('in then'));
      });
    await Promise.all(Array.from({ length: 100 }, (_, i) => task(i)));
    const records = sink.records();
    expect(records).toHaveLength(400);
    for (const record of records) {
      expect(record.request_id).toBeDefined();
      expect(record.session_id).toBe(`s-${record.request_id!.slice(4)}`);
    }
    log.info('outside');
    expect(sink.records().at(-1)?.request_id).toBeUndefined();
  });
});

describe('health', () => {
  it('reports per-sink counts', () => {
    const { log } = memoryLogger();
    log.info('x');
    const health = log.health();
    expect(health.healthy).toBe(true);
    expect(health.sinks[0]).toMatchObject({ name: 'memory', written: 1, writeErrors: 0 });
  });
});
