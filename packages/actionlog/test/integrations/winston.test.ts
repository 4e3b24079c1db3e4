import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { ActionlogTransport, fromWinston, winstonLevel } from '../../src/adapters/winston/index.js';
import { withContext } from '../../src/index.js';
import { closeAndRead, fileLogger, readRecords, tempDir } from './helpers.js';

function chargeError(): Error {
  const error = new Error('gateway timeout', { cause: new TypeError('socket hang up') });
  (error as Error & { code: string }).code = 'E_GATEWAY';
  return error;
}

const LEVEL = Symbol.for('level');

describe('ActionlogTransport (winston)', () => {
  it("turns winston's own records into actionlog records", async () => {
    const { log, dir } = fileLogger({ level: 'DEBUG' });
    const logger = winston.createLogger({
      level: 'silly',
      format: winston.format.combine(
        winston.format.errors({ stack: true }),
        winston.format.splat(),
        winston.format.timestamp(),
        winston.format.json(),
      ),
      defaultMeta: { service: 'user-service' },
      transports: [new ActionlogTransport({ logger: log })],
    });
    logger.info('hello', { user_id: 'u1', order: { id: 7 } });
    logger.warn('%s is %d', 'quota', 90);
    logger.error('charge failed', chargeError());
    logger.error(chargeError());
    logger.log({ level: 'http', message: 'GET /', status_code: 200 });
    logger.child({ request_id: 'r-2' }).debug('from a child');
    logger.verbose('chatty');
    logger.silly('sillier');
    logger.info('an action', { action: 'invoice_sent', status: 'success', duration_ms: 3.5 });
    logger.error('with an error field', { error: new RangeError('bad range') });
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['INFO', 'hello'],
      ['WARNING', 'quota is 90'],
      ['ERROR', 'charge failed gateway timeout'],
      ['ERROR', 'gateway timeout'],
      ['INFO', 'GET /'],
      ['DEBUG', 'from a child'],
      ['DEBUG', 'chatty'],
      ['DEBUG', 'sillier'],
      ['INFO', 'an action'],
      ['ERROR', 'with an error field'],
    ]);
    for (const record of records) {
      expect(record.service).toBe('user-service');
      expect(record.data?.timestamp).toBeUndefined();
      expect(record.data?.level).toBeUndefined();
    }
    const [hello, , charged, bare, http, child, , , action, errorField] = records;
    expect(hello).toMatchObject({ user_id: 'u1', data: { order: { id: 7 } } });
    expect(charged.error).toMatchObject({ type: 'Error', message: 'gateway timeout', code: 'E_GATEWAY' });
    expect(charged.error.stack).toMatch(/^Error: gateway timeout\n/);
    expect(charged.error.cause).toMatchObject({ type: 'TypeError', message: 'socket hang up' });
    expect(charged.data?.stack).toBeUndefined();
    expect(bare.error).toMatchObject({ message: 'gateway timeout', code: 'E_GATEWAY' });
    expect(http.data).toEqual({ status_code: 200 });
    expect(child.request_id).toBe('r-2');
    expect(action).toMatchObject({ action: 'invoice_sent', status: 'success', duration_ms: 3.5 });
    expect(errorField.error).toMatchObject({ type: 'RangeError', message: 'bad range' });
  });

  it('maps syslog levels, reads the level under colorize(), and label becomes the logger', async () => {
    const { log, dir } = fileLogger({ level: 'DEBUG' });
    const logger = winston.createLogger({
      levels: winston.config.syslog.levels,
      level: 'debug',
      format: winston.format.combine(
        winston.format.label({ label: 'auth.routes' }),
        winston.format.colorize(),
      ),
      transports: [new ActionlogTransport({ logger: log })],
    });
    for (const level of ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug']) {
      logger.log(level, `at ${level}`);
    }
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => r.level)).toEqual([
      'CRITICAL',
      'CRITICAL',
      'CRITICAL',
      'ERROR',
      'WARNING',
      'INFO',
      'INFO',
      'DEBUG',
    ]);
    for (const record of records) expect(record.logger).toBe('auth.routes');
  });

  it('records inherit the caller’s withContext ids', async () => {
    const { log, dir } = fileLogger();
    const logger = winston.createLogger({ transports: [new ActionlogTransport({ logger: log })] });
    withContext({ request_id: 'req-7', session_id: 's-7' }, () => logger.info('inside'));
    const [record] = await closeAndRead(log, dir);
    expect(record).toMatchObject({ message: 'inside', request_id: 'req-7', session_id: 's-7' });
  });

  it('creates its own logger from settings and closes it with winston', async () => {
    const dir = tempDir();
    const transport = new ActionlogTransport({
      config: { dir, console: false, exitHooks: false, app: 'api' },
    });
    const logger = winston.createLogger({ transports: [transport] });
    logger.warn('written by the transport’s own logger');
    const finished = new Promise((resolve) => logger.on('finish', resolve));
    logger.end();
    await finished;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [record] = readRecords(dir);
    expect(record).toMatchObject({
      level: 'WARNING',
      app: 'api',
      message: 'written by the transport’s own logger',
    });
  });

  it('emits logged after each record, as winston transports do', async () => {
    const { log } = fileLogger();
    const transport = new ActionlogTransport({ logger: log });
    const logger = winston.createLogger({ transports: [transport] });
    const logged = new Promise((resolve) => transport.once('logged', resolve));
    logger.info('x');
    expect(await logged).toMatchObject({ message: 'x', level: 'info' });
    await log.close();
  });
});

describe('fromWinston', () => {
  it('maps a fixture info object with its symbols', () => {
    const info = {
      level: '\u001b[31merror\u001b[39m',
      message: 'boom',
      [LEVEL]: 'error',
      [Symbol.for('message')]: '{"level":"error","message":"boom"}',
      timestamp: '2026-01-01T00:00:00.000Z',
      user_id: 'u9',
    };
    expect(fromWinston(info)).toEqual({ level: 'ERROR', message: 'boom', fields: { user_id: 'u9' } });
    expect(winstonLevel('\u001b[33mwarn\u001b[39m')).toBe('WARNING');
    expect(winstonLevel('custom')).toBe('INFO');
    expect(winstonLevel('fatal')).toBe('CRITICAL');
  });
});
