import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { checkRedactConfig } from '../redact/redact-config.js';
import { clampConfig } from './clamp.js';
import { envOverrides } from './env-overrides.js';
import { deepMerge, isPlainObject } from './merge.js';
import { describeIssue, pathText } from './messages.js';
import { type ActionlogConfig, type ActionlogConfigInput, configFileSchema, configSchema } from './schema.js';

export const CONFIG_FILE_NAMES = ['actionlog.config.json', 'actionlog.config.yaml', 'actionlog.config.yml'];

export interface LoadedConfig {
  /** The effective configuration: defaults, file, profile, environment. */
  config: ActionlogConfig;
  /** The file it came from, if any. */
  file: string | undefined;
  /** The profile applied (NODE_ENV), if the file had one for it. */
  profile: string | undefined;
  /** Invalid settings: each names the key, the value and what is allowed. Invalid keys fall back to defaults. */
  errors: string[];
  /** Values brought into range. */
  warnings: string[];
}

export interface LoadOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Settings given in code: used instead of a config file. */
  options?: ActionlogConfigInput;
}

/** The config file for `cwd`: `ACTIONLOG_CONFIG`, else the nearest `actionlog.config.{json,yaml,yml}` upwards. */
export function findConfigFile(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.ACTIONLOG_CONFIG) return resolve(cwd, env.ACTIONLOG_CONFIG);
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Reads and validates the configuration. Never throws: a problem becomes a message in
 * `errors`, and the offending key falls back to its default, so a typo never stops logging.
 */
export function loadConfig(load: LoadOptions = {}): LoadedConfig {
  const cwd = load.cwd ?? process.cwd();
  const env = load.env ?? process.env;
  const errors: string[] = [];
  let file: string | undefined;
  let profile: string | undefined;
  let raw: Record<string, unknown> = {};

  if (load.options !== undefined) {
    raw = isPlainObject(load.options) ? { ...load.options } : {};
  } else {
    file = findConfigFile(cwd, env);
    if (file !== undefined) {
      const read = readConfigFile(file);
      if (typeof read === 'string') errors.push(read);
      else {
        const checked = validate(configFileSchema, read, `${file}: `);
        errors.push(...checked.errors);
        raw = checked.value;
        const profiles = raw.profiles as Record<string, unknown> | undefined;
        delete raw.profiles;
        const nodeEnv = env.NODE_ENV;
        if (profiles && nodeEnv && profiles[nodeEnv] !== undefined) {
          profile = nodeEnv;
          raw = deepMerge(raw, profiles[nodeEnv]) as Record<string, unknown>;
        }
      }
    }
  }

  const fromEnv = envOverrides(env);
  raw = deepMerge(raw, fromEnv.config) as Record<string, unknown>;
  const label = file ? `${file}: ` : '';
  const checked = validate(configSchema, raw, label, fromEnv.sources);
  errors.push(...checked.errors);
  const parsed = configSchema.safeParse(checked.value);
  const config = parsed.success ? parsed.data : configSchema.parse({});
  errors.push(...checkRedactConfig(config.redact).map((e) => label + e));
  const warnings = clampConfig(config).map((w) => label + w);
  return { config, file, profile, errors: dedupe(errors), warnings };
}

/** The YAML parser, loaded only when a YAML config exists (it costs ~50 ms of start-up otherwise). */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

function readConfigFile(file: string): Record<string, unknown> | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return `${file}: cannot read the config file (${(error as Error).message})`;
  }
  try {
    const value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (value === null || value === undefined) return {};
    if (!isPlainObject(value))
      return `${file}: the config must be an object of settings, got ${typeof value}`;
    return value;
  } catch (error) {
    return `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`;
  }
}

/**
 * Validates, and removes each invalid key so the rest still applies (the key then takes its
 * default). Returns the cleaned input and one message per problem.
 */
function validate(
  schema: z.ZodType,
  input: Record<string, unknown>,
  label: string,
  envSources?: ReadonlyMap<string, string>,
): { value: Record<string, unknown>; errors: string[] } {
  const value = structuredClone(input);
  const errors: string[] = [];
  for (let round = 0; round < 20; round++) {
    const result = schema.safeParse(value);
    if (result.success) break;
    for (const issue of result.error.issues) {
      const source = envSources?.get(pathText(issue.path));
      const prefix = source ? `${source} (${pathText(issue.path)}): ` : label;
      for (const message of describeIssue(schema, issue, value)) {
        errors.push(source ? prefix + message.slice(message.indexOf(':') + 2) : prefix + message);
      }
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) removePath(value, [...issue.path, key]);
      } else removePath(value, issue.path);
    }
  }
  return { value, errors };
}

function removePath(target: unknown, path: readonly PropertyKey[]): void {
  if (path.length === 0) return;
  let current = target;
  for (const key of path.slice(0, -1)) {
    if (current === null || typeof current !== 'object') return;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  if (current === null || typeof current !== 'object') return;
  const last = path[path.length - 1];
  if (Array.isArray(current) && typeof last === 'number') current.splice(last, 1);
  else delete (current as Record<PropertyKey, unknown>)[last];
}

function dedupe(messages: string[]): string[] {
  return [...new Set(messages)];
}
