import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ServeError } from './auth/loopback.js';
import type { TokenConfig } from './auth/tokens.js';

/** What `actionlog serve` runs with, after defaults, the config file and the flags. */
export interface ServerSettings {
  host: string;
  port: number;
  /** The log directory; the default store lives in it. Absolute. */
  dir: string;
  /** `sqlite:<path>` with an absolute path, or undefined for `{dir}/actionlog.db`. */
  store?: string;
  tokens: TokenConfig[];
  bodyLimit: number;
  insecure: boolean;
  maxQueryRows: number;
}

/** Settings given in code or as flags; each wins over the config file. */
export interface ServeOptions {
  host?: string;
  port?: number;
  dir?: string;
  store?: string;
  /** A server config file (JSON or YAML) with any of the settings below and `tokens`. */
  config?: string;
  insecure?: boolean;
  tokens?: TokenConfig[];
  bodyLimit?: number;
  maxQueryRows?: number;
  /** Where relative paths in options start. Default: the current directory. */
  cwd?: string;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 7070,
  dir: './logs',
  bodyLimit: 10 * 1024 * 1024,
  maxQueryRows: 10_000,
} as const;

const FILE_KEYS = [
  'host',
  'port',
  'dir',
  'store',
  'tokens',
  'bodyLimit',
  'insecure',
  'maxQueryRows',
] as const;

/**
 * Merges defaults, the config file (paths in it are relative to the file) and the options
 * (relative to `cwd`). Throws ServeError naming the file, the key and what is allowed.
 */
export function resolveSettings(options: ServeOptions): ServerSettings {
  const cwd = options.cwd ?? process.cwd();
  const file = options.config === undefined ? {} : readConfigFile(resolve(cwd, options.config));
  const fileDir = options.config === undefined ? cwd : dirname(resolve(cwd, options.config));
  const settings: ServerSettings = {
    host: options.host ?? file.host ?? DEFAULTS.host,
    port: options.port ?? file.port ?? DEFAULTS.port,
    dir: options.dir !== undefined ? resolve(cwd, options.dir) : resolve(fileDir, file.dir ?? DEFAULTS.dir),
    store:
      options.store !== undefined
        ? absoluteStore(options.store, cwd)
        : file.store !== undefined
          ? absoluteStore(file.store, fileDir)
          : undefined,
    tokens: options.tokens ?? file.tokens ?? [],
    bodyLimit: options.bodyLimit ?? file.bodyLimit ?? DEFAULTS.bodyLimit,
    insecure: options.insecure ?? file.insecure ?? false,
    maxQueryRows: options.maxQueryRows ?? file.maxQueryRows ?? DEFAULTS.maxQueryRows,
  };
  if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65535) {
    throw new ServeError(`port: got ${settings.port}; expected a whole number from 0 to 65535`);
  }
  if (!Number.isInteger(settings.bodyLimit) || settings.bodyLimit < 1024) {
    throw new ServeError(`bodyLimit: got ${settings.bodyLimit}; expected a whole number of bytes ≥ 1024`);
  }
  if (!Number.isInteger(settings.maxQueryRows) || settings.maxQueryRows < 1) {
    throw new ServeError(`maxQueryRows: got ${settings.maxQueryRows}; expected a whole number ≥ 1`);
  }
  return settings;
}

/** `sqlite:./x.db` → `sqlite:/abs/x.db`; other specs are left for openStore to judge. */
function absoluteStore(spec: string, base: string): string {
  const match = /^sqlite:(.+)$/s.exec(spec);
  if (!match || match[1] === ':memory:') return spec;
  return `sqlite:${resolve(base, match[1])}`;
}

type FileSettings = Partial<Pick<ServerSettings, Exclude<(typeof FILE_KEYS)[number], 'tokens'>>> & {
  tokens?: TokenConfig[];
};

function readConfigFile(path: string): FileSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ServeError(
      `--config: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ServeError(
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ServeError(`${path}: expected an object of settings (${FILE_KEYS.join(', ')})`);
  }
  const settings = value as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      throw new ServeError(`${path}: unknown setting "${key}"; allowed: ${FILE_KEYS.join(', ')}`);
    }
  }
  const expect = (key: string, ok: boolean, what: string) => {
    if (settings[key] !== undefined && !ok) {
      throw new ServeError(`${path}: ${key}: got ${JSON.stringify(settings[key])}; expected ${what}`);
    }
  };
  expect('host', typeof settings.host === 'string', 'a host name or address');
  expect('port', Number.isInteger(settings.port), 'a port number');
  expect('dir', typeof settings.dir === 'string', 'a directory');
  expect('store', typeof settings.store === 'string', 'sqlite:<path>');
  expect('tokens', Array.isArray(settings.tokens), 'a list of {name, token or sha256, scopes}');
  expect('bodyLimit', Number.isInteger(settings.bodyLimit), 'a number of bytes');
  expect('insecure', typeof settings.insecure === 'boolean', 'true or false');
  expect('maxQueryRows', Number.isInteger(settings.maxQueryRows), 'a whole number');
  return settings as FileSettings;
}
