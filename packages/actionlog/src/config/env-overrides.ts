/** `ACTIONLOG_*` variables and the config key each sets. Values are validated like the file's. */
export const ENV_OVERRIDES: ReadonlyArray<
  readonly [string, string, 'string' | 'boolean' | 'number' | 'console']
> = [
  ['ACTIONLOG_DIR', 'dir', 'string'],
  ['ACTIONLOG_LEVEL', 'level', 'string'],
  ['ACTIONLOG_APP', 'app', 'string'],
  ['ACTIONLOG_SERVICE', 'service', 'string'],
  ['ACTIONLOG_CONSOLE', 'console', 'console'],
  ['ACTIONLOG_DURABILITY', 'file.durability', 'string'],
  ['ACTIONLOG_MAX_FILE_SIZE', 'file.maxFileSize', 'string'],
  ['ACTIONLOG_MAX_BUFFER_BYTES', 'file.maxBufferBytes', 'string'],
  ['ACTIONLOG_FLUSH_INTERVAL_MS', 'file.flushIntervalMs', 'number'],
  ['ACTIONLOG_OVERFLOW', 'file.overflow', 'string'],
  ['ACTIONLOG_AUDIT', 'audit.enabled', 'boolean'],
  ['ACTIONLOG_REDACT', 'redact.enabled', 'boolean'],
];

/** The overrides present in `env`, as a nested partial config, and which variable set which key. */
export function envOverrides(env: NodeJS.ProcessEnv): {
  config: Record<string, unknown>;
  sources: Map<string, string>;
} {
  const config: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const [name, key, kind] of ENV_OVERRIDES) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(config, key.split('.'), convert(raw, kind));
    sources.set(key, name);
  }
  return { config, sources };
}

function convert(raw: string, kind: 'string' | 'boolean' | 'number' | 'console'): unknown {
  const lower = raw.trim().toLowerCase();
  if (kind === 'boolean' || kind === 'console') {
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    if (kind === 'console' && (lower === 'pretty' || lower === 'json')) return { format: lower };
    return raw;
  }
  if (kind === 'number') return /^\d+$/.test(lower) ? Number(lower) : raw;
  return raw;
}

export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = target;
  for (let i = 0; i < path.length - 1; i++) {
    const next = current[path[i]];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[path[i]] = {};
    current = current[path[i]] as Record<string, unknown>;
  }
  current[path[path.length - 1]] = value;
}
