import type { ActionRecord } from '../record/record.js';
import type { Sink, SinkFilter, SinkHealth } from './sink.js';

/** Keeps lines in memory: the seam for tests, and for code that inspects what it logged. */
export class MemorySink implements Sink {
  readonly name = 'memory';
  readonly wantsView = false;
  readonly lines: string[] = [];

  constructor(readonly filter: SinkFilter = { minLevel: 0 }) {}

  write(line: string): void {
    this.lines.push(line);
  }

  /** The lines parsed back into records. */
  records(): ActionRecord[] {
    return this.lines.map((line) => JSON.parse(line) as ActionRecord);
  }

  clear(): void {
    this.lines.length = 0;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  flushSync(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }

  health(): SinkHealth {
    return {
      name: this.name,
      target: 'memory',
      healthy: true,
      bufferedRecords: 0,
      bufferedBytes: 0,
      written: this.lines.length,
      dropped: 0,
      writeErrors: 0,
      consecutiveFailures: 0,
      lastError: null,
      fallbackRecords: 0,
    };
  }
}
