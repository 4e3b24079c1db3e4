// winston with a File transport and the usual JSON set-up: an ISO timestamp and JSON lines.
// winston's json format would write an Error as `{}` (its fields are not enumerable), so a small
// format turns `error` into { type, message, stack, cause } first, the same content the others
// write.
import { once } from 'node:events';
import { join } from 'node:path';
import { hrtime } from 'node:process';
import winston from 'winston';
import { ACTION } from '../lib/record.mjs';

function errorObject(error, depth) {
  const out = { type: error.name, message: error.message, stack: error.stack };
  if (error.code !== undefined) out.code = error.code;
  if (error.cause instanceof Error && depth < 5) out.cause = errorObject(error.cause, depth + 1);
  return out;
}

const serializeError = winston.format((info) => {
  if (info.error instanceof Error) info.error = errorObject(info.error, 0);
  return info;
});

export const winstonCase = {
  errorKey: 'error',
  async open(dir) {
    const logger = winston.createLogger({
      level: 'info',
      format: winston.format.combine(winston.format.timestamp(), serializeError(), winston.format.json()),
      transports: [new winston.transports.File({ filename: join(dir, 'winston.jsonl') })],
    });
    return {
      log: (fields) =>
        fields.status === 'failed' ? logger.error(ACTION, fields) : logger.info(ACTION, fields),
      // The logger's 'finish' waits for its transports, and the File transport's for its file
      // stream, so every line has been written (no fsync) when it fires. But ending the logger
      // while its stream still holds a backlog ends the transport under it ("write after end"),
      // so first let the backlog reach the transport, checking once per event-loop turn.
      async close() {
        while (logger.writableLength > 0 || logger.readableLength > 0) {
          await new Promise((resolve) => setImmediate(resolve));
        }
        const finished = once(logger, 'finish');
        logger.end();
        await finished;
        return hrtime.bigint();
      },
    };
  },
};
