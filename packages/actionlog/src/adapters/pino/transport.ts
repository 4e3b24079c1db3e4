import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parentPort } from 'node:worker_threads';
import type { ActionlogConfigInput } from '../../config/schema.js';
import { createLogger } from '../../logger/create-logger.js';
import type { Logger } from '../../logger/logger.js';
import { DEFAULT_PINO_FORMAT, type PinoFormat } from './from-pino.js';
import { PinoLineWriter } from './line-writer.js';

/**
 * Options of the `actionlog/pino` transport: the actionlog settings (`dir`, `app`, `service`,
 * `redact`, …). Without any, the worker reads `actionlog.config.json`/`.yaml` like `createLogger()`.
 */
export type PinoTransportOptions = ActionlogConfigInput;

/** Wait at most this long for pino's settings (message key, custom levels) before using the defaults. */
const CONFIG_WAIT_MS = 1000;

/**
 * The pino transport: `pino(pino.transport({ target: 'actionlog/pino', options: { dir: './logs' } }))`.
 * pino runs it in a worker thread; it writes each pino line as an actionlog record and flushes and
 * closes the files when pino ends the stream (on exit, too).
 */
export default async function actionlogTransport(options: Record<string, unknown> = {}): Promise<Writable> {
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    // pino and thread-stream add their own keys (`pinoWillSendConfig`, `$context`) beside the user's.
    if (key !== 'pinoWillSendConfig' && (!key.startsWith('$') || key === '$schema')) settings[key] = value;
  }
  const format = options.pinoWillSendConfig === true ? await pinoConfig() : DEFAULT_PINO_FORMAT;
  const log = createLogger(Object.keys(settings).length > 0 ? (settings as ActionlogConfigInput) : undefined);
  return new PinoTransportStream(log, format);
}

/** The stream pino's worker writes to: lines in, records out; `end()` flushes and closes the logger. */
export class PinoTransportStream extends Writable {
  private readonly lines: PinoLineWriter;
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly log: Logger,
    format: PinoFormat,
  ) {
    super({ decodeStrings: false, autoDestroy: true });
    this.lines = new PinoLineWriter(log, format);
  }

  override _write(chunk: string | Buffer, _encoding: string, callback: (error?: Error | null) => void): void {
    this.lines.write(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.lines.write(this.decoder.end());
    this.lines.end();
    this.log.close().then(() => callback(), callback);
  }

  /** Called by pino's worker on `logger.flush()`. */
  flush(callback: (error?: Error | null) => void): void {
    this.log.flush().then(() => callback(), callback);
  }
}

/** pino posts its message key, error key and levels to the worker once the logger is built. */
function pinoConfig(): Promise<PinoFormat> {
  const port = parentPort;
  if (port === null) return Promise.resolve(DEFAULT_PINO_FORMAT);
  return new Promise((resolve) => {
    const done = (format: PinoFormat) => {
      clearTimeout(timer);
      port.off('message', onMessage);
      resolve(format);
    };
    const onMessage = (message: unknown) => {
      const { code, config } = (message ?? {}) as { code?: unknown; config?: Record<string, unknown> };
      if (code !== 'PINO_CONFIG' || config === undefined) return;
      const levels = config.levels as { labels?: Record<string, string> } | undefined;
      done({
        messageKey: typeof config.messageKey === 'string' ? config.messageKey : 'msg',
        errorKey: typeof config.errorKey === 'string' ? config.errorKey : 'err',
        labels: levels?.labels,
      });
    };
    const timer = setTimeout(() => done(DEFAULT_PINO_FORMAT), CONFIG_WAIT_MS);
    timer.unref();
    port.on('message', onMessage);
  });
}
