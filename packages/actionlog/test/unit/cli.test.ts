import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../temp-dirs.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const tempDir = tempDirs('actionlog-cli-');

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('actionlog CLI', () => {
  it('--help lists the commands and --version prints the package version', () => {
    const cwd = tempDir();
    const help = run(['--help'], cwd);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('demo');
    expect(help.stdout).toContain('config');
    const version = run(['--version'], cwd);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('demo writes a realistic workload into ./logs and says where it went', () => {
    const cwd = tempDir();
    const result = run(['demo', '--sessions', '50'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/wrote (\d+) records from 50 sessions/);
    const written = Number(/wrote (\d+) records/.exec(result.stdout)![1]);
    const files = readdirSync(join(cwd, 'logs')).filter((n) => n.endsWith('.jsonl'));
    const records = files.flatMap((name) =>
      readFileSync(join(cwd, 'logs', name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    );
    expect(records).toHaveLength(written);
    const actions = new Set(records.map((r) => r.action));
    for (const action of [
      'session_start',
      'llm_request',
      'tool_call',
      'http_request',
      'charge',
      'session_end',
    ]) {
      expect(actions).toContain(action);
    }
    expect(records.some((r) => r.status === 'failed')).toBe(true);
    expect(records.some((r) => r.category === 'audit')).toBe(true);
    expect(readdirSync(join(cwd, 'logs', 'audit')).length).toBeGreaterThan(0);
  });

  it('config check prints the effective config, or the errors with exit code 1', () => {
    const cwd = tempDir();
    const ok = run(['config', 'check'], cwd, { ACTIONLOG_LEVEL: 'debug' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('"level": "DEBUG"');
    expect(ok.stdout).toContain('config OK');
    writeFileSync(
      join(cwd, 'actionlog.config.json'),
      JSON.stringify({ level: 'verbose', file: { overflow: 'spill' } }),
    );
    const bad = run(['config', 'check'], cwd);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('level: got "verbose"; allowed: DEBUG, INFO, WARNING, ERROR, CRITICAL');
    expect(bad.stderr).toContain('file.overflow: got "spill"; allowed: block, drop');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('bad arguments get a one-line message and a non-zero exit, never a stack trace', () => {
    const cwd = tempDir();
    const bad = run(['demo', '--sessions', 'many'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'actionlog: --sessions: got "many"; expected a whole number from 1 to 10000000\n',
    );
    const unknown = run(['frobnicate'], cwd);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });
});
