import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from './memory-logger.js';

describe('safe serializer', () => {
  it('writes hostile values with a defined output', () => {
    const { log, sink } = memoryLogger();
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    const throwing = {
      ok: 1,
      get bad() {
        throw new Error('getter');
      },
    };
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys');
        },
      },
    );
    log.info('values', {
      cyclic,
      big: 12345678901234567890n,
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, 'two'],
      ]),
      set: new Set(['x', 'y']),
      date: new Date('2026-11-23T10:30:45.123Z'),
      invalidDate: new Date(Number.NaN),
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      buffer: Buffer.from('hello'),
      typed: new Float64Array(4),
      throwing,
      proxy,
      fn: () => 1,
      sym: Symbol('s'),
      lone: 'a\ud800b',
      nested: { a: [1, undefined, () => 2] },
    });
    const data = sink.records()[0].data as Record<string, unknown>;
    expect(data.cyclic).toEqual({ name: 'a', self: '[Circular]' });
    expect(data.big).toBe('12345678901234567890');
    expect(data.map).toEqual({ a: 1, '2': 'two' });
    expect(data.set).toEqual(['x', 'y']);
    expect(data.date).toBe('2026-11-23T10:30:45.123Z');
    expect(data.invalidDate).toBe('[Invalid Date]');
    expect(data.nan).toBeNull();
    expect(data.inf).toBeNull();
    expect(data.buffer).toBe('[Buffer 5 bytes]');
    expect(data.typed).toBe('[Float64Array 32 bytes]');
    expect(data.throwing).toEqual({ ok: 1, bad: '[Throws]' });
    expect(data.proxy).toBe('[Throws]');
    expect('fn' in data).toBe(false);
    expect('sym' in data).toBe(false);
    expect(data.lone).toBe('a\ufffdb');
    expect(data.nested).toEqual({ a: [1, null, null] });
  });

  it('turns errors with cause chains into error objects', () => {
    const { log, sink } = memoryLogger();
    const root = Object.assign(new TypeError('socket hang up'), { code: 'ECONNRESET', attempt: 3 });
    const err = new Error('payment failed', { cause: root });
    log.error(err, 'charge failed');
    const record = sink.records()[0];
    expect(record.message).toBe('charge failed');
    expect(record.error?.type).toBe('Error');
    expect(record.error?.message).toBe('payment failed');
    expect(record.error?.stack).toContain('payment failed');
    const cause = record.error?.cause as Record<string, unknown>;
    expect(cause.type).toBe('TypeError');
    expect(cause.code).toBe('ECONNRESET');
    expect(cause.attempt).toBe(3);
  });

  it('a cyclic cause chain ends in [Circular]', () => {
    const { log, sink } = memoryLogger();
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    log.error(a);
    expect(JSON.stringify(sink.records()[0].error)).toContain('[Circular]');
  });

  it('caps depth, string length and record size with visible markers', () => {
    const { log, sink } = memoryLogger({
      limits: { maxDepth: 3, maxStringLength: 100, maxRecordBytes: 2048 },
    });
    log.info('deep', { deep: { a: { b: { c: { d: 1 } } } } });
    expect(JSON.stringify(sink.records()[0].data)).toContain('[MaxDepth]');
    log.info('long', { text: 'x'.repeat(500) });
    expect(sink.records()[1].data?.text).toBe(`${'x'.repeat(100)}…[+400 chars]`);
    log.info('huge', { items: Array.from({ length: 200 }, (_, i) => `item-${i}-${'y'.repeat(50)}`) });
    const huge = sink.records()[2];
    expect(sink.lines[2].length).toBeLessThanOrEqual(2048);
    expect(String(huge.data?._truncated)).toContain('maxRecordBytes=2048');
  });

  it('never throws and always writes parseable JSON, whatever it is given (property)', () => {
    const { log, sink } = memoryLogger({ limits: { maxDepth: 6 } });
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
          withBoxedValues: true,
        }),
        fc.string({ unit: 'binary' }),
        (value, message) => {
          sink.clear();
          expect(() => {
            log.info(message, { value });
            log.warn(message, value as never);
            log.error(value, message);
            log.action(message, { data: value as never });
          }).not.toThrow();
          for (const line of sink.lines) {
            expect(line.endsWith('\n')).toBe(true);
            expect(line.indexOf('\n')).toBe(line.length - 1);
            expect(() => JSON.parse(line)).not.toThrow();
          }
          expect(sink.lines.length).toBe(4);
        },
      ),
      { numRuns: 500 },
    );
  });
});
