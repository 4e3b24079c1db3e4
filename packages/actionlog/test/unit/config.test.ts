import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/index.js';
import { tempDirs } from '../temp-dirs.js';

const tempDir = tempDirs('actionlog-config-');

describe('config loading', () => {
  it('finds actionlog.config.json from a subdirectory upwards and applies defaults', () => {
    const root = tempDir();
    writeFileSync(
      join(root, 'actionlog.config.json'),
      JSON.stringify({ dir: 'var/log', level: 'debug', app: 'shop' }),
    );
    const nested = join(root, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    const loaded = loadConfig({ cwd: nested, env: {} });
    expect(loaded.file).toBe(join(root, 'actionlog.config.json'));
    expect(loaded.errors).toEqual([]);
    expect(loaded.config).toMatchObject({ dir: 'var/log', level: 'DEBUG', app: 'shop' });
    expect(loaded.config.file).toMatchObject({
      durability: 'buffered',
      maxFileSize: 50 * 1024 * 1024,
      overflow: 'block',
    });
    expect(loaded.config.audit.durability).toBe('sync');
  });

  it('reads YAML, lays the NODE_ENV profile over it, then ACTIONLOG_* variables over both', () => {
    const root = tempDir();
    writeFileSync(
      join(root, 'actionlog.config.yaml'),
      [
        'level: info',
        'file:',
        '  maxFileSize: 10MB',
        'profiles:',
        '  production:',
        '    level: warning',
        '    console: false',
        '',
      ].join('\n'),
    );
    const prod = loadConfig({ cwd: root, env: { NODE_ENV: 'production' } });
    expect(prod.profile).toBe('production');
    expect(prod.config).toMatchObject({ level: 'WARNING', console: false });
    expect(prod.config.file.maxFileSize).toBe(10 * 1024 * 1024);
    const overridden = loadConfig({
      cwd: root,
      env: {
        NODE_ENV: 'production',
        ACTIONLOG_LEVEL: 'error',
        ACTIONLOG_DIR: '/srv/logs',
        ACTIONLOG_CONSOLE: 'json',
      },
    });
    expect(overridden.config).toMatchObject({
      level: 'ERROR',
      dir: '/srv/logs',
      console: { format: 'json' },
    });
  });

  it('ACTIONLOG_CONFIG points at a file elsewhere', () => {
    const root = tempDir();
    const file = join(root, 'custom.yaml');
    writeFileSync(file, 'app: elsewhere\n');
    expect(loadConfig({ cwd: tempDir(), env: { ACTIONLOG_CONFIG: file } }).config.app).toBe('elsewhere');
  });

  it('names the key, the value and what is allowed; the bad key falls back to its default', () => {
    const root = tempDir();
    writeFileSync(
      join(root, 'actionlog.config.json'),
      JSON.stringify({
        level: 'LOUD',
        file: { durability: 'fast', maxFileSze: '1MB', maxFileSize: 'huge' },
        app: 'kept',
      }),
    );
    const loaded = loadConfig({ cwd: root, env: {} });
    const text = loaded.errors.join('\n');
    expect(text).toContain('level: got "LOUD"; allowed: DEBUG, INFO, WARNING, ERROR, CRITICAL');
    expect(text).toContain('file.durability: got "fast"; allowed: buffered, sync, fsync');
    expect(text).toMatch(
      /file\.maxFileSze: unknown key \(did you mean "maxFileSize"\?\); allowed keys: enabled, durability, maxFileSize/,
    );
    expect(text).toContain(
      'file.maxFileSize: got "huge"; expected a size such as 65536, "64KB", "50MB" or "2GB"',
    );
    expect(loaded.config.level).toBe('INFO');
    expect(loaded.config.file.durability).toBe('buffered');
    expect(loaded.config.app).toBe('kept');
  });

  it('names the variable when an ACTIONLOG_* value is bad', () => {
    const loaded = loadConfig({ cwd: tempDir(), env: { ACTIONLOG_DURABILITY: 'eventually' } });
    expect(loaded.errors.join('\n')).toContain(
      'ACTIONLOG_DURABILITY (file.durability): got "eventually"; allowed: buffered, sync, fsync',
    );
  });

  it('clamps out-of-range sizes with a warning', () => {
    const loaded = loadConfig({
      options: { file: { maxBufferBytes: 10, flushIntervalMs: 999_999 } },
      env: {},
    });
    expect(loaded.config.file.maxBufferBytes).toBe(64 * 1024);
    expect(loaded.config.file.flushIntervalMs).toBe(60_000);
    expect(loaded.warnings.join('\n')).toContain(
      'file.maxBufferBytes: 10B is below the minimum 64KB; using 64KB',
    );
  });

  it('reports a file that is not valid JSON', () => {
    const root = tempDir();
    writeFileSync(join(root, 'actionlog.config.json'), '{ "level": ');
    const loaded = loadConfig({ cwd: root, env: {} });
    expect(loaded.errors[0]).toMatch(/actionlog\.config\.json: not valid JSON/);
    expect(loaded.config.level).toBe('INFO');
  });

  it('the committed JSON Schema matches the config schema', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../actionlog.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(configJsonSchema());
  });
});
