// pino with its own file destination (sonic-boom), in its fastest asynchronous mode or in sync
// mode. Default pino options: numeric `time`, `pid`, `hostname`, and the std `err` serializer
// (type, message and stack including the cause chain).
import { once } from 'node:events';
import { join } from 'node:path';
import { hrtime } from 'node:process';
import pino from 'pino';
import { ACTION, PINO_REDACT_PATHS, SECRET_MESSAGE } from '../lib/record.mjs';

export function pinoCase({ sync, secrets = false }) {
  const message = secrets ? SECRET_MESSAGE : ACTION;
  return {
    errorKey: 'err',
    secrets,
    async open(dir) {
      const dest = pino.destination(
        sync
          ? { dest: join(dir, 'pino.jsonl'), sync: true }
          : { dest: join(dir, 'pino.jsonl'), sync: false, minLength: 4096 },
      );
      if (!sync) await once(dest, 'ready');
      // sonic-boom fsyncs before it closes (and on flush(cb)); actionlog and winston do not. So
      // the clock stops at the last completed write(2) and the fsync is not counted against pino:
      // in sync mode that is the end of the loop, in async mode the last 'write' event (one per
      // chunk of up to 16 KB, so listening costs nothing measurable).
      let lastWrite = 0n;
      if (!sync) {
        dest.on('write', () => {
          lastWrite = hrtime.bigint();
        });
      }
      const logger = pino(secrets ? { redact: PINO_REDACT_PATHS } : {}, dest);
      return {
        log: (fields) =>
          fields.status === 'failed' ? logger.error(fields, message) : logger.info(fields, message),
        async close() {
          if (sync) lastWrite = hrtime.bigint();
          const closed = once(dest, 'close');
          dest.end();
          await closed;
          return lastWrite || hrtime.bigint();
        },
      };
    },
  };
}
