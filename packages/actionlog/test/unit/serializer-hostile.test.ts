import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noMasking } from '../../src/redact/masker.js';
import { DEFAULT_LIMITS, type SerializeLimits } from '../../src/serialize/limits.js';
import { SafeSerializer } from '../../src/serialize/safe-serializer.js';
import { memoryLogger } from './memory-logger.js';

function serializer(limits: Partial<SerializeLimits> = {}): SafeSerializer {
  return new SafeSerializer({ ...DEFAULT_LIMITS, ...limits }, noMasking);
}

describe('safe serializer: hostile input keeps the record and marks only what threw', () => {
  it('a Proxy whose getOwnPropertyDescriptor trap throws for one key marks that member only', () => {
    const proxy = new Proxy({ a: 1, b: 2 } as Record<string, unknown>, {
      getOwnPropertyDescriptor(target, key) {
        if (key === 'b') throw new Error('descriptor');
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
    const { log, sink } = memoryLogger();
    log.info('kept', { proxy, keep: 1 });
    expect(sink.records()).toHaveLength(1);
    expect(sink.records()[0].data).toEqual({ proxy: { a: 1, b: '[Throws]' }, keep: 1 });
  });

  it('a Proxy whose getPrototypeOf trap throws is still written from its own members', () => {
    const proxy = new Proxy(
      { a: 1, b: 2 },
      {
        getPrototypeOf() {
          throw new Error('prototype');
        },
      },
    );
    const { log, sink } = memoryLogger();
    log.info('kept', { proxy, keep: 1 });
    expect(sink.records()[0].data).toEqual({ proxy: { a: 1, b: 2 }, keep: 1 });
  });

  it('a Proxy whose get trap throws is marked as one value, its siblings kept', () => {
    const proxy = new Proxy(
      { a: 1, b: 2 },
      {
        get() {
          throw new Error('get');
        },
      },
    );
    const { log, sink } = memoryLogger();
    log.info('kept', { proxy, list: [1, proxy], keep: 1 });
    expect(sink.records()[0].data).toEqual({ proxy: '[Throws]', list: [1, '[Throws]'], keep: 1 });
  });

  it('a Proxy whose ownKeys trap throws is marked as one value, its siblings kept', () => {
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('keys');
        },
      },
    );
    const { log, sink } = memoryLogger();
    log.info('kept', { nested: { proxy, after: 2 }, keep: 1 });
    expect(sink.records()[0].data).toEqual({ nested: { proxy: '[Throws]', after: 2 }, keep: 1 });
  });

  it('a revoked Proxy is marked', () => {
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    const { log, sink } = memoryLogger();
    log.info('kept', { proxy, list: [proxy, 1], keep: 1 });
    expect(sink.records()[0].data).toEqual({ proxy: '[Throws]', list: ['[Throws]', 1], keep: 1 });
  });

  it('an Error behind a Proxy whose has trap throws keeps its type and message', () => {
    const error = new Proxy(new TypeError('boom'), {
      has() {
        throw new Error('has');
      },
    });
    const { log, sink } = memoryLogger();
    log.error(error, 'failed');
    const record = sink.records()[0];
    expect(record.message).toBe('failed');
    expect(record.error?.type).toBe('TypeError');
    expect(record.error?.message).toBe('boom');
  });

  it('an Error whose stack getter throws keeps type, message, code and own fields; the stack is marked', () => {
    const error = Object.assign(new RangeError('out of range'), { code: 'E_RANGE', attempt: 2 });
    Object.defineProperty(error, 'stack', {
      get() {
        throw new Error('no stack for you');
      },
    });
    const { log, sink } = memoryLogger();
    log.error(error, 'failed');
    log.info('nested', { err: error });
    const expected = {
      type: 'RangeError',
      message: 'out of range',
      stack: '[Throws]',
      code: 'E_RANGE',
      attempt: 2,
    };
    expect(sink.records()[0].error).toEqual(expected);
    expect(sink.records()[1].data?.err).toEqual(expected);
  });

  it('an Error whose message, name, code, cause and own getters throw keeps everything else', () => {
    const boom = () => {
      throw new Error('getter');
    };
    const error = new Error('x');
    Object.defineProperty(error, 'message', { get: boom });
    Object.defineProperty(error, 'name', { get: boom });
    Object.defineProperty(error, 'code', { get: boom });
    Object.defineProperty(error, 'cause', { get: boom });
    Object.defineProperty(error, 'extra', { get: boom, enumerable: true });
    Object.defineProperty(error, 'fine', { value: 'yes', enumerable: true });
    const json = serializer().value(error, 'error');
    const parsed = JSON.parse(json ?? 'null');
    expect(parsed).toMatchObject({
      type: 'Error',
      message: '[Throws]',
      extra: '[Throws]',
      fine: 'yes',
      code: '[Throws]',
      cause: '[Throws]',
    });
    expect(typeof parsed.stack).toBe('string');
  });

  it('a toJSON that throws (or whose getter does) marks the value and does not write the members it hides', () => {
    const s = serializer();
    const getter = {
      secret: 'hunter2',
      get toJSON() {
        throw new Error('toJSON getter');
      },
    };
    const method = {
      secret: 'hunter2',
      toJSON() {
        throw new Error('toJSON');
      },
    };
    expect(s.value({ getter, method, keep: 1 }, 'data')).toBe(
      '{"getter":"[Throws]","method":"[Throws]","keep":1}',
    );
  });

  it('writes own enumerable properties only, as JSON.stringify does', () => {
    class WithProto {
      own = 1;
    }
    Object.defineProperty(WithProto.prototype, 'inherited', { value: 2, enumerable: true });
    const values = {
      created: Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true } }),
      instance: new WithProto(),
      hidden: Object.defineProperty({ shown: 1 }, 'hidden', { value: 2, enumerable: false }),
    };
    const s = serializer();
    expect(JSON.parse(s.value(values, 'data') ?? 'null')).toEqual(JSON.parse(JSON.stringify(values)));
    expect(s.members(values.created, 'data')).toBe('"own":2');
    const { log, sink } = memoryLogger();
    log.info('own', { data: values } as never);
    expect(sink.records()[0].data).toEqual({
      created: { own: 2 },
      instance: { own: 1 },
      hidden: { shown: 1 },
    });
  });
});

describe('safe serializer: work is bounded before it is done', () => {
  const max = DEFAULT_LIMITS.maxRecordBytes;

  it('stops reading a huge object once the record cap is reached, with a visible marker', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 200_000; i++) big[`key${i}`] = i;
    const json = serializer().member('big', big, 'data');
    expect(json.length).toBeLessThan(max + 1024);
    const parsed = JSON.parse(`{${json}}`).big as Record<string, unknown>;
    const keys = Object.keys(parsed);
    // The first keys in order, then the marker counting the rest.
    expect(keys[0]).toBe('key0');
    expect(keys.at(-1)).toBe('_truncated');
    const written = keys.length - 1;
    expect(keys[written - 1]).toBe(`key${written - 1}`);
    expect(parsed._truncated).toBe(`…[+${200_000 - written} keys]`);
  });

  it('reads only as many getters of a huge object as fit, and the record is still written', () => {
    let reads = 0;
    const big: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) {
      Object.defineProperty(big, `key${i}`, {
        enumerable: true,
        get() {
          reads++;
          return i;
        },
      });
    }
    const { log, sink } = memoryLogger();
    log.info('huge', { big, keep: 1 });
    expect(sink.records()).toHaveLength(1);
    expect(sink.lines[0].length).toBeLessThanOrEqual(max);
    expect(String(sink.records()[0].data?._truncated)).toContain(`maxRecordBytes=${max}`);
    // ~14 characters a member: about 19,000 fit in 256 KB.
    expect(reads).toBeLessThan(25_000);
  });

  it('bounds arrays (holes too), Sets and Maps', () => {
    const s = serializer();
    const array = s.member('a', new Array(10_000_000), 'data');
    expect(array.length).toBeLessThan(max + 1024);
    expect(array).toMatch(/,"…\[\+\d+ items\]"\]$/);

    const set = s.value(new Set(Array.from({ length: 100_000 }, (_, i) => i)), 'data') ?? '';
    expect(set.length).toBeLessThan(max + 1024);
    expect(set).toMatch(/,"…\[\+\d+ items\]"\]$/);

    const map = s.value(new Map(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])), 'data') ?? '';
    expect(map.length).toBeLessThan(max + 1024);
    const parsed = JSON.parse(map);
    expect(parsed._truncated).toMatch(/^…\[\+\d+ entries\]$/);
  });

  it('the budget covers the whole value, not each object in it', () => {
    // 1,000 objects of 1,000 keys: each one alone is under the cap, all together are not.
    const rows = Array.from({ length: 1_000 }, () => {
      const row: Record<string, number> = {};
      for (let i = 0; i < 1_000; i++) row[`c${i}`] = i;
      return row;
    });
    const json = serializer().member('rows', rows, 'data');
    expect(json.length).toBeLessThan(max + 1024);
    expect(() => JSON.parse(`{${json}}`)).not.toThrow();
    expect(json).toMatch(/"…\[\+\d+ items\]"\]$/);
  });

  it('each call has its own budget', () => {
    const s = serializer({ maxRecordBytes: 100 });
    const row = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    const first = s.member('row', row, 'data');
    expect(first).toContain('_truncated');
    expect(s.member('small', { a: 1 }, 'data')).toBe('"small":{"a":1}');
    expect(s.members({ a: 1, b: [1, 2] }, 'data')).toBe('"a":1,"b":[1,2]');
  });

  it('a value that fits is written exactly as JSON.stringify writes it; one that does not is cut near the cap (property)', () => {
    const cap = 2048;
    const s = serializer({ maxRecordBytes: cap, maxDepth: 50 });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const expected = JSON.stringify(value);
        const json = s.value(value, 'data') ?? '';
        if (expected.length <= cap) expect(json).toBe(expected);
        else {
          // Leaves here are short: the cut lands within a few of them of the cap.
          expect(json.length).toBeLessThan(cap + 1024);
          expect(() => JSON.parse(json)).not.toThrow();
        }
      }),
      { numRuns: 1000 },
    );
  });
});
