import { join, resolve } from 'node:path';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export const DEFAULT_DB_FILE = 'actionlog.db';

/** A store spec the server does not know: a usage error (names what is allowed). */
export class StoreSpecError extends Error {
  override readonly name = 'StoreSpecError';
}

/**
 * Opens the store a spec names: `sqlite:<path>` (relative to `cwd`), or by default the SQLite file
 * `actionlog.db` in the log directory.
 */
export function openStore(spec: string | undefined, dir: string, cwd: string = process.cwd()): Store {
  return new SqliteStore({ path: storePath(spec, dir, cwd) });
}

/** The SQLite file a spec names (see openStore). */
export function storePath(spec: string | undefined, dir: string, cwd: string = process.cwd()): string {
  if (spec === undefined || spec === '') return resolve(cwd, join(dir, DEFAULT_DB_FILE));
  const match = /^([a-z]+):(.*)$/s.exec(spec);
  if (match?.[1] !== 'sqlite') {
    throw new StoreSpecError(
      `--store: got "${spec}"; expected sqlite:<path>, e.g. sqlite:./data/actionlog.db`,
    );
  }
  if (match[2] === '')
    throw new StoreSpecError('--store: sqlite: needs a file path, e.g. sqlite:./actionlog.db');
  return match[2] === ':memory:' ? ':memory:' : resolve(cwd, match[2]);
}
