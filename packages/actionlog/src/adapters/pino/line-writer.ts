import type { Logger } from '../../logger/logger.js';
import { writeAs } from '../write-as.js';
import { fromPino, type PinoFormat } from './from-pino.js';

/** Turns pino's output, newline-delimited JSON in chunks of any size, into actionlog records. */
export class PinoLineWriter {
  private partial = '';

  constructor(
    private readonly log: Logger,
    readonly format: PinoFormat,
  ) {}

  write(text: string): void {
    const all = this.partial === '' ? text : this.partial + text;
    let start = 0;
    for (let end = all.indexOf('\n'); end !== -1; end = all.indexOf('\n', start)) {
      this.line(all.slice(start, end));
      start = end + 1;
    }
    this.partial = start === all.length ? '' : all.slice(start);
  }

  /** Writes a last line that had no newline. */
  end(): void {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
  }

  private line(line: string): void {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      // Not JSON (a plain-text destination, a torn line): keep it as the message.
      this.log.info(line, { logger: 'pino' });
      return;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      this.log.info(line, { logger: 'pino' });
      return;
    }
    const { level, message, fields } = fromPino(record as Record<string, unknown>, this.format);
    writeAs(this.log, level, message, fields);
  }
}
