import type { Logger } from '../../logger/logger.js';
import { DEFAULT_PINO_FORMAT, type PinoFormat } from './from-pino.js';
import { PinoLineWriter } from './line-writer.js';

/**
 * A pino destination in this thread: `pino(options, pinoDestination(log))`. Unlike the worker
 * transport, records are written inside the caller's `withContext` scope, so they carry its ids.
 */
export function pinoDestination(
  logger: Logger,
  format: Partial<PinoFormat> = {},
): { writable: true; write(chunk: string): void; flush(callback?: (error?: Error | null) => void): void } {
  const lines = new PinoLineWriter(logger, { ...DEFAULT_PINO_FORMAT, ...format });
  return {
    // pino takes a lone argument for a destination only when it looks writable.
    writable: true,
    write(chunk: string): void {
      lines.write(String(chunk));
    },
    flush(callback?: (error?: Error | null) => void): void {
      logger.flush().then(
        () => callback?.(),
        (error: Error) => callback?.(error),
      );
    },
  };
}
