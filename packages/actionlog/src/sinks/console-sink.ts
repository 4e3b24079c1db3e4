import { writeSync } from 'node:fs';
import { formatPretty } from './pretty-format.js';
import type { RecordView, Sink, SinkFilter, SinkHealth } from './sink.js';

export type ConsoleFormat = 'pretty' | 'json';

export interface ConsoleSinkOptions {
  filter: SinkFilter;
  format: ConsoleFormat;
  stream: 'stdout' | 'stderr';
  /** Colours: undefined means "when the stream is a TTY and NO_COLOR is not set". */
  colour?: boolean;
}

/**
 * Lines for people at a terminal. Written synchronously, one call per record: this sink is for
 * development, and synchronous writes mean nothing is lost when the process ends abruptly.
 */
export class ConsoleSink implements Sink {
  readonly name: string;
  readonly filter: SinkFilter;
  readonly wantsView: boolean;
  private readonly fd: number;
  private readonly colour: boolean;
  private written = 0;
  private dropped = 0;
  private errors = 0;
  private lastError: string | null = null;

  constructor(private readonly options: ConsoleSinkOptions) {
    this.name = `console:${options.stream}`;
    this.filter = options.filter;
    this.wantsView = options.format === 'pretty';
    this.fd = options.stream === 'stdout' ? 1 : 2;
    const stream = options.stream === 'stdout' ? process.stdout : process.stderr;
    this.colour = options.colour ?? (Boolean(stream.isTTY) && !process.env.NO_COLOR);
  }

  write(line: string, _timeMs: number, _sync: boolean, view: RecordView | undefined): void {
    const text = this.options.format === 'pretty' && view ? formatPretty(view, this.colour) : line;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeSync(this.fd, text);
        this.written++;
        return;
      } catch (error) {
        // EAGAIN: a non-blocking pipe is full; try again a couple of times, then give up on this line.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.errors++;
          this.lastError = String((error as Error).message);
          break;
        }
      }
    }
    this.dropped++;
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
      target: this.options.stream,
      healthy: true,
      bufferedRecords: 0,
      bufferedBytes: 0,
      written: this.written,
      dropped: this.dropped,
      writeErrors: this.errors,
      consecutiveFailures: 0,
      lastError: this.lastError,
      fallbackRecords: 0,
    };
  }
}
