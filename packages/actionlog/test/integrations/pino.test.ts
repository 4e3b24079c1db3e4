import { once } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fromPino, pinoDestination, pinoLevel } from '../../src/adapters/pino/index.js';
import { withContext } from '../../src/index.js';
import { closeAndRead, fileLogger, readRecords, tempDir } from './helpers.js';

function chargeError(): Error {
  const error = new Error('gateway timeout', { cause: new TypeError('socket hang up') });
  (error as Error & { code: string }).code = 'E_GATEWAY';
  return error;
}

describe('pinoDestination (pino in this thread)', () => {
  it("turns pino's own records into actionlog records", async () => {
    const { log, dir } = fileLogger({ level: 'DEBUG' });
    const logger = pino({ name: 'billing', level: 'trace' }, pinoDestination(log));
    logger.trace('t');
    logger.debug('d');
    logger.info({ user_id: 'u-1', order: { id: 7, items: ['tea'] } }, 'checkout %s', 'started');
    logger.child({ request_id: 'r-1', session_id: 's-1' }).warn({ attempt: 2 }, 'retrying');
    logger.error(chargeError(), 'charge failed');
    logger.error({ err: chargeError(), amount: 12.5 }, 'with err key');
    logger.fatal(new Error('out of memory'));
    logger.info(
      { action: 'invoice_sent', service: 'Billing', status: 'success', duration_ms: 8.5 },
      'invoice sent',
    );
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['DEBUG', 't'],
      ['DEBUG', 'd'],
      ['INFO', 'checkout started'],
      ['WARNING', 'retrying'],
      ['ERROR', 'charge failed'],
      ['ERROR', 'with err key'],
      ['CRITICAL', 'out of memory'],
      ['INFO', 'invoice sent'],
    ]);
    for (const record of records) {
      expect(record.logger).toBe('billing');
      expect(record.data?.time).toBeUndefined();
      expect(record.data?.hostname).toBeUndefined();
      expect(record.data?.pid).toBeUndefined();
    }
    const [, , checkout, retry, charge, errKey, fatal, invoice] = records;
    expect(checkout).toMatchObject({ user_id: 'u-1', data: { order: { id: 7, items: ['tea'] } } });
    expect(retry).toMatchObject({ request_id: 'r-1', session_id: 's-1', data: { attempt: 2 } });
    expect(charge.error).toMatchObject({
      type: 'Error',
      message: 'gateway timeout: socket hang up',
      code: 'E_GATEWAY',
    });
    expect(charge.error.stack).toContain('caused by: TypeError: socket hang up');
    expect(errKey).toMatchObject({ error: { code: 'E_GATEWAY' }, data: { amount: 12.5 } });
    expect(fatal.error).toMatchObject({ type: 'Error', message: 'out of memory' });
    expect(invoice).toMatchObject({
      action: 'invoice_sent',
      service: 'Billing',
      status: 'success',
      duration_ms: 8.5,
    });
    expect(invoice.data).toBeUndefined();
  });

  it('records inherit the caller’s withContext ids', async () => {
    const { log, dir } = fileLogger();
    const logger = pino(pinoDestination(log));
    withContext({ request_id: 'req-5', user_id: 'ann' }, () => logger.info('inside'));
    const [record] = await closeAndRead(log, dir);
    expect(record).toMatchObject({ message: 'inside', request_id: 'req-5', user_id: 'ann' });
  });

  it('follows a custom messageKey and errorKey, and level labels', async () => {
    const { log, dir } = fileLogger();
    const logger = pino(
      { messageKey: 'message', errorKey: 'error', formatters: { level: (label) => ({ level: label }) } },
      pinoDestination(log, { messageKey: 'message', errorKey: 'error' }),
    );
    logger.warn('labelled');
    logger.error(new Error('keyed'), 'with error key');
    const [warn, error] = await closeAndRead(log, dir);
    expect(warn).toMatchObject({ level: 'WARNING', message: 'labelled' });
    expect(error).toMatchObject({ level: 'ERROR', message: 'with error key', error: { message: 'keyed' } });
  });

  it('keeps lines that are not JSON as messages', async () => {
    const { log, dir } = fileLogger();
    const destination = pinoDestination(log);
    destination.write('plain text line\n{"level":30,"msg":"split ');
    destination.write('across writes"}\n');
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => r.message)).toEqual(['plain text line', 'split across writes']);
  });
});

describe('fromPino', () => {
  it('maps fixture lines of older and http-flavoured pino output', () => {
    // pino ≤ 6 wrote "v":1; pino-http writes req/res objects and responseTime.
    const v6 = JSON.parse(
      '{"level":30,"time":1531171074631,"msg":"hello world","pid":657,"hostname":"box.local","v":1}',
    );
    expect(fromPino(v6, { messageKey: 'msg', errorKey: 'err' })).toEqual({
      level: 'INFO',
      message: 'hello world',
      fields: {},
    });
    const http = JSON.parse(
      '{"level":30,"time":1,"pid":1,"hostname":"h","req":{"id":1,"method":"GET","url":"/"},"res":{"statusCode":200},"responseTime":3,"msg":"request completed"}',
    );
    expect(fromPino(http, { messageKey: 'msg', errorKey: 'err' }).fields).toEqual({
      req: { id: 1, method: 'GET', url: '/' },
      res: { statusCode: 200 },
      responseTime: 3,
    });
  });

  it('maps numeric levels, custom ones by threshold or label', () => {
    expect([10, 20, 25, 30, 35, 40, 50, 60, 70].map((n) => pinoLevel(n))).toEqual([
      'DEBUG',
      'DEBUG',
      'DEBUG',
      'INFO',
      'INFO',
      'WARNING',
      'ERROR',
      'CRITICAL',
      'CRITICAL',
    ]);
    expect(pinoLevel(35, { 35: 'warn' })).toBe('WARNING');
    expect(pinoLevel('fatal')).toBe('CRITICAL');
    expect(pinoLevel('nonsense')).toBe('INFO');
  });
});

describe('the actionlog/pino transport (pino worker thread)', () => {
  it('writes records in the worker and closes the files when pino ends it', async () => {
    const dir = tempDir();
    const transport = pino.transport({
      target: 'actionlog/pino',
      options: { dir, console: false, app: 'svc', level: 'DEBUG' },
    });
    const logger = pino(
      { name: 'worker-test', messageKey: 'text', customLevels: { notice: 35 }, level: 'debug' },
      transport,
    );
    logger.debug('debugging');
    (logger as unknown as { notice: (msg: string) => void }).notice('custom level');
    logger.child({ session_id: 's-2' }).info({ attempt: 1 }, 'from a child');
    logger.error(chargeError(), 'failed');
    for (let i = 0; i < 1000; i++) logger.info({ i }, 'bulk');
    transport.end();
    await once(transport, 'close');
    const records = readRecords(dir);
    expect(records).toHaveLength(1004);
    expect(records.slice(0, 4).map((r) => [r.level, r.message, r.logger, r.app])).toEqual([
      ['DEBUG', 'debugging', 'worker-test', 'svc'],
      ['INFO', 'custom level', 'worker-test', 'svc'],
      ['INFO', 'from a child', 'worker-test', 'svc'],
      ['ERROR', 'failed', 'worker-test', 'svc'],
    ]);
    expect(records[2]).toMatchObject({ session_id: 's-2', data: { attempt: 1 } });
    expect(records[3].error).toMatchObject({ code: 'E_GATEWAY' });
    expect(records.slice(4).map((r) => r.data.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
