import type { Logger } from '../logger/logger.js';
import type { LevelName } from '../record/levels.js';
import type { LogFields } from '../record/record.js';

/** Writes a record converted from another logger at its level. */
export function writeAs(log: Logger, level: LevelName, message: string, fields: LogFields): void {
  switch (level) {
    case 'DEBUG':
      log.debug(message, fields);
      return;
    case 'INFO':
      log.info(message, fields);
      return;
    case 'WARNING':
      log.warn(message, fields);
      return;
    case 'ERROR':
      log.error(message, fields);
      return;
    case 'CRITICAL':
      log.critical(message, fields);
      return;
  }
}
