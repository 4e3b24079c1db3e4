import winston from 'winston';
import type TransportStream from 'winston-transport';
import type { ActionlogConfigInput } from '../../config/schema.js';
import { createLogger } from '../../logger/create-logger.js';
import type { Logger } from '../../logger/logger.js';
import { writeAs } from '../write-as.js';
import { fromWinston } from './from-winston.js';

// winston-transport reached through winston itself, so only winston need be installed.
const TransportBase = (winston as unknown as { Transport: typeof TransportStream }).Transport;

export interface ActionlogTransportOptions extends TransportStream.TransportStreamOptions {
  /** The actionlog logger to write to. */
  logger?: Logger;
  /** Or settings for a logger the transport creates (and closes with itself). Neither: `createLogger()` from the config file. */
  config?: ActionlogConfigInput;
}

/**
 * A winston transport writing each record as an actionlog record:
 * `winston.createLogger({ transports: [new ActionlogTransport({ logger: log })] })`.
 */
export class ActionlogTransport extends TransportBase {
  private readonly target: Logger;
  private readonly ownsLogger: boolean;

  constructor(options: ActionlogTransportOptions = {}) {
    const { logger, config, ...transportOptions } = options;
    super(transportOptions);
    this.target = logger ?? createLogger(config);
    this.ownsLogger = logger === undefined;
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    try {
      const { level, message, fields } = fromWinston(info);
      writeAs(this.target, level, message, fields);
    } catch {
      // A transport must not throw into winston; the logger itself never does.
    }
    setImmediate(() => this.emit('logged', info));
    next();
  }

  override close(): void {
    if (this.ownsLogger) void this.target.close();
  }
}
