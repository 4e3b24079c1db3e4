import { describe, expect, it } from 'vitest';
import { instrument } from '../../src/index.js';
import { closeAndRead, fileLogger, sleep } from './helpers.js';

class Repository {
  protected rows = new Map<string, string>();
  count(): number {
    return this.rows.size;
  }
}

class CaseService extends Repository {
  #secret = 'private state';
  readonly label = 'cases';

  async createCase(title: string): Promise<{ id: string; title: string }> {
    await sleep(5);
    const id = `c${this.rows.size + 1}`;
    this.rows.set(id, title);
    return { id, title };
  }

  closeCase(id: string): void {
    if (!this.rows.has(id)) throw new RangeError(`no case ${id}`);
    this.rows.delete(id);
  }

  async failLater(): Promise<never> {
    await sleep(1);
    throw new Error('downstream timeout');
  }

  peek(): string {
    return this.#secret;
  }
}

describe('instrument', () => {
  it('turns every method, own and inherited, into a tracked action; results and errors are unchanged', async () => {
    const { log, dir } = fileLogger();
    const cases = instrument(new CaseService(), { logger: log, service: 'CaseService' });
    expect(await cases.createCase('printer on fire')).toEqual({ id: 'c1', title: 'printer on fire' });
    expect(cases.count()).toBe(1);
    expect(() => cases.closeCase('c9')).toThrow(RangeError);
    await expect(cases.failLater()).rejects.toThrow('downstream timeout');
    expect(cases.peek()).toBe('private state');
    expect(cases.label).toBe('cases');
    expect(cases).toBeInstanceOf(CaseService);

    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.level, r.service, r.action, r.status])).toEqual([
      ['INFO', 'CaseService', 'createCase', 'success'],
      ['INFO', 'CaseService', 'count', 'success'],
      ['ERROR', 'CaseService', 'closeCase', 'failed'],
      ['ERROR', 'CaseService', 'failLater', 'failed'],
      ['INFO', 'CaseService', 'peek', 'success'],
    ]);
    expect(records[0].duration_ms).toBeGreaterThanOrEqual(4);
    expect(records[2].error).toMatchObject({ type: 'RangeError', message: 'no case c9' });
    expect(records[3].error).toMatchObject({ message: 'downstream timeout' });
    expect(records[0].data).toBeUndefined();
  });

  it('takes a list of methods or exclusions, and records arguments only when asked', async () => {
    const { log, dir } = fileLogger();
    const only = instrument(new CaseService(), { logger: log, methods: ['createCase'], args: true });
    await only.createCase('title');
    only.count();
    const except = instrument(new CaseService(), { logger: log, exclude: ['count', 'peek'] });
    except.count();
    except.peek();
    await except.createCase('other');
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => r.action)).toEqual(['createCase', 'createCase']);
    expect(records[0].data).toEqual({ args: ['title'] });
    expect(records[1].data).toBeUndefined();
    expect(records[1].service).toBeUndefined();
  });

  it('returns the same function for a method every time', () => {
    const { log } = fileLogger();
    const cases = instrument(new CaseService(), { logger: log });
    expect(cases.createCase).toBe(cases.createCase);
    void log.close();
  });
});
