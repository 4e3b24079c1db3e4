import { describe, expect, it } from 'vitest';
import { memoryLogger } from './memory-logger.js';

const traps = ['ownKeys', 'get', 'getOwnPropertyDescriptor', 'getPrototypeOf'] as const;
function proxy(trap: (typeof traps)[number]): object {
  return new Proxy(
    { a: 1 },
    {
      [trap]() {
        throw new Error(`trap ${trap}`);
      },
    },
  );
}

describe('logger: hostile fields keep the record', () => {
  for (const trap of traps) {
    it(`fields, data, message and error as a Proxy whose ${trap} trap throws`, () => {
      const { log, sink } = memoryLogger();
      expect(() => {
        log.info('as fields', proxy(trap) as never);
        log.info('as data', { data: proxy(trap), keep: 1 } as never);
        log.info(proxy(trap) as never);
        log.error(proxy(trap) as never);
        log.error(proxy(trap) as never, 'with message');
      }).not.toThrow();
      expect(sink.lines).toHaveLength(5);
      for (const record of sink.records()) expect(JSON.stringify(record)).toMatch(/Throws|"a\\?":1/);
      expect(sink.records()[1].data?.keep).toBe(1);
    });
  }

  it('a throwing getter on the fields object marks that field only', () => {
    const { log, sink } = memoryLogger();
    log.info('getter', {
      keep: 1,
      get bad() {
        throw new Error('getter');
      },
    });
    expect(sink.records()[0].data).toEqual({ keep: 1, bad: '[Throws]' });
  });

  it('inherited enumerable properties of the fields object are not logged', () => {
    const { log, sink } = memoryLogger();
    log.info('own', Object.create({ inherited: 1, action: 'x' }, { own: { value: 2, enumerable: true } }));
    class Fields {
      own = 1;
    }
    Object.defineProperty(Fields.prototype, 'inherited', { value: 2, enumerable: true });
    log.info('class', new Fields() as never);
    expect(sink.records()[0].data).toEqual({ own: 2 });
    expect(sink.records()[0].action).toBeUndefined();
    expect(sink.records()[1].data).toEqual({ own: 1 });
  });

  it('a fields object with 100,000 getters: only what fits is read', () => {
    let reads = 0;
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) {
      Object.defineProperty(fields, `key${i}`, {
        enumerable: true,
        get() {
          reads++;
          return i;
        },
      });
    }
    const { log, sink } = memoryLogger();
    log.info('huge', fields);
    expect(String(sink.records()[0].data?._truncated)).toContain('maxRecordBytes');
    // Each key is read once per pass (the record is built twice), but serialized only until the cap.
    expect(reads).toBeLessThanOrEqual(200_000);
  });
});
