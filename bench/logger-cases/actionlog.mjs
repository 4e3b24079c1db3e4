// actionlog as an application would set it up for a file-only benchmark: no console, no audit
// stream (the record is not in the audit category, so that stream would only cost a filter
// check), everything else at its defaults apart from the durability under test.
import { hrtime } from 'node:process';
import { createLogger } from 'actionlog';
import { ACTION, SECRET_MESSAGE } from '../lib/record.mjs';

export function actionlogCase(durability, { secrets = false } = {}) {
  return {
    errorKey: 'error',
    secrets,
    async open(dir) {
      const log = createLogger({ dir, console: false, audit: { enabled: false }, file: { durability } });
      return {
        // A failed status makes it an ERROR record with the `error` object.
        log: secrets
          ? (fields) =>
              fields.status === 'failed'
                ? log.error(SECRET_MESSAGE, fields)
                : log.info(SECRET_MESSAGE, fields)
          : (fields) => log.action(ACTION, fields),
        // close() writes what is buffered and resolves once it is in the kernel (no fsync in
        // buffered/sync modes), which is where the clock stops for every library.
        async close() {
          await log.close();
          return hrtime.bigint();
        },
      };
    },
  };
}
