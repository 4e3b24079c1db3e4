import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The commands as a new user runs them: the built CLI, in a directory holding `actionlog demo` output. */
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
let cwd: string;

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', COLUMNS: '100', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function allLines(): string[] {
  const dir = join(cwd, 'logs');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean));
}

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'actionlog-cli-query-'));
  const demo = run(['demo', '--sessions', '300']);
  expect(demo.code).toBe(0);
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const ESC = '\u001b[';

describe('actionlog query / log / tail / stats on demo output', () => {
  it('every command has --help with examples', () => {
    for (const command of ['query', 'log', 'tail', 'stats']) {
      const help = run([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toContain('Examples:');
      expect(help.stdout).toContain('--dir');
    }
    expect(run(['--help']).stdout).toMatch(/query[\s\S]*log[\s\S]*tail[\s\S]*stats/);
  });

  it('query prints a table that fits the terminal, and nothing but results on stdout', () => {
    const out = run([
      'query',
      'filter level >= "ERROR" | fields timestamp, service, action, error.message',
      '--since',
      '2d',
    ]);
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/service\s+action\s+error\.message/);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
    expect(out.stdout).not.toContain(ESC);
  });

  it('cuts long cells with … to fit a narrow terminal', () => {
    const out = run(['log', '--since', '2d', '--status', 'failed', '--tail', '5'], { COLUMNS: '60' });
    expect(out.code).toBe(0);
    for (const line of out.stdout.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(60);
    expect(out.stdout).toContain('…');
  });

  it('aggregates agree with the lines on disk', () => {
    const lines = allLines().map((l) => JSON.parse(l));
    const out = run(['query', 'stats count() as n by service | sort n desc', '--format', 'json']);
    expect(out.code).toBe(0);
    const rows = JSON.parse(out.stdout) as Array<{ service: string; n: number }>;
    expect(rows.reduce((s, r) => s + r.n, 0)).toBe(lines.length);
    expect(rows[0]).toEqual({
      service: 'AgentService',
      n: lines.filter((r) => r.service === 'AgentService').length,
    });
  });

  it('jsonl passes the matching lines through unchanged, newest first; csv has a header', () => {
    const failed = allLines().filter((l) => JSON.parse(l).status === 'failed');
    const out = run(['query', 'filter status = "failed"', '--format', 'jsonl']);
    expect(out.stdout.trimEnd().split('\n')).toEqual(failed.reverse());
    const csv = run([
      'query',
      'filter status = "failed" | fields service, error.message | limit 3',
      '--format',
      'csv',
    ]);
    expect(csv.stdout.split('\n')[0]).toBe('service,error.message');
    expect(csv.stdout.trimEnd().split('\n')).toHaveLength(4);
  });

  it('exit 0 and "no records" when nothing matches (on stderr for machine formats)', () => {
    const table = run(['query', 'filter service = "NoSuchService"']);
    expect(table).toMatchObject({ code: 0, stdout: 'no records\n' });
    const jsonl = run(['query', 'filter service = "NoSuchService"', '--format', 'jsonl']);
    expect(jsonl).toMatchObject({ code: 0, stdout: '', stderr: 'no records\n' });
    expect(run(['query', 'filter service = "NoSuchService"', '--format', 'json']).stdout).toBe('[]\n');
  });

  it("log with nothing to show says why: the filters matched none of today's records, or today has none", () => {
    // A record of this very moment: the demo's records may all be from yesterday just after UTC midnight.
    const now = new Date().toISOString();
    const current = mkdtempSync(join(tmpdir(), 'actionlog-cli-now-'));
    const old = mkdtempSync(join(tmpdir(), 'actionlog-cli-old-'));
    try {
      appendFileSync(
        join(current, `${now.slice(0, 10)}.jsonl`),
        `{"timestamp":"${now}","level":"INFO","message":"now"}\n`,
      );
      const filtered = run(['log', '--keyword', 'no-record-has-this-text', '--dir', current]);
      expect(filtered.code).toBe(0);
      expect(filtered.stdout).toBe('no records\n');
      expect(filtered.stderr).toMatch(/none of today's records, \d{4}-\d\d-\d\d UTC, match these filters/);
      appendFileSync(
        join(old, '2026-01-02.jsonl'),
        '{"timestamp":"2026-01-02T10:00:00.000Z","level":"INFO","message":"old"}\n',
      );
      const empty = run(['log', '--dir', old]);
      expect(empty.stdout).toBe('no records\n');
      expect(empty.stderr).toMatch(
        /nothing today, .* the newest records are from 2026-01-02: try --date 2026-01-02/,
      );
    } finally {
      rmSync(old, { recursive: true, force: true });
      rmSync(current, { recursive: true, force: true });
    }
  });

  it('exit 2 on a bad query: the query, a caret under the column, what was expected; no stack trace', () => {
    const out = run(['query', 'filter status = "failed" and duration_ms >']);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    const [message, echo, caret] = out.stderr.trimEnd().split('\n');
    expect(message).toMatch(/^actionlog query: query error at column 43: expected a value after ">"/);
    expect(echo.trim()).toBe('filter status = "failed" and duration_ms >');
    expect(caret.indexOf('^')).toBe(echo.indexOf('>') + 1);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('exit 2 with one clear line on a bad argument', () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['log', '--format', 'xml'],
        /argument 'xml' is invalid\. Allowed choices are table, json, jsonl, csv, md, summary/,
      ],
      [
        ['log', '--since', '5 minutes'],
        /--since: got "5 minutes"; expected a duration such as 30s, 15m, 1h, 7d/,
      ],
      [['log', '--tail', '0'], /--tail: got "0"; expected a whole number from 1 to/],
      [['log', '--level', 'loud'], /--level: got "loud"; expected debug, info, warning, error or critical/],
      [['stats', '--date', '23/11/2026'], /--date: got "23\/11\/2026"; expected a day as YYYY-MM-DD/],
      [['query', 'limit 1', '--dir', 'nowhere'], /no log directory at .*nowhere; give --dir/],
      [['tail', '--where', 'duration_ms >>'], /--where: expected a value after ">"/],
      [['log', '--since', '1h', '--date', 'today'], /--since and --date both set a time range/],
      [['query'], /missing required argument 'pipeline'/],
      [['log', '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const out = run(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr, args.join(' ')).toMatch(message);
      expect(out.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('log shows the newest records oldest first, with the quick filters', () => {
    const out = run(['log', '--since', '2d', '--tail', '3', '--format', 'jsonl']);
    const lines = allLines();
    expect(out.stdout.trimEnd().split('\n')).toEqual(lines.slice(-3));
    const tool = run([
      'log',
      '--since',
      '2d',
      '-a',
      'tool_call',
      '--tool-name',
      'bash',
      '--format',
      'jsonl',
      '--tail',
      '1000',
    ]);
    const want = lines.filter((l) => {
      const r = JSON.parse(l);
      return r.action === 'tool_call' && r.data?.tool_name === 'bash';
    });
    expect(tool.stdout.trimEnd().split('\n')).toEqual(want.slice(-1000));
    const summary = run(['log', '--since', '2d', '--level', 'warning', '--format', 'summary']);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(/^records\s+\d/);
  });

  it('tail prints readable lines; --json the lines as written', () => {
    const out = run(['tail', '-n', '3']);
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} (INFO|WARNING|ERROR)\s/);
    expect(run(['tail', '-n', '2', '--json']).stdout.trimEnd().split('\n')).toEqual(allLines().slice(-2));
  });

  it('tail -f follows new lines until interrupted, then exits 0', async () => {
    const child = spawn(process.execPath, [CLI, 'tail', '-f', '-n', '1', '--json', '--status', 'failed'], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const newest = readdirSync(join(cwd, 'logs'))
      .filter((n) => n.endsWith('.jsonl'))
      .sort()
      .at(-1)!;
    await sleep(700);
    const before = stdout;
    const ts = new Date().toISOString();
    appendFileSync(
      join(cwd, 'logs', newest),
      `{"timestamp":"${ts}","level":"ERROR","message":"followed","status":"failed"}\n`,
    );
    appendFileSync(
      join(cwd, 'logs', newest),
      `{"timestamp":"${ts}","level":"INFO","message":"not shown","status":"success"}\n`,
    );
    for (let i = 0; i < 50 && !stdout.includes('followed'); i++) await sleep(100);
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
    expect(before.trimEnd().split('\n')).toHaveLength(1);
    expect(stdout.slice(before.length)).toContain('"message":"followed"');
    expect(stdout).not.toContain('not shown');
    expect(code).toBe(0);
  });

  it('stats summarises the directory, as text or JSON', () => {
    const text = run(['stats']);
    expect(text.code).toBe(0);
    for (const section of [
      'records',
      'sessions',
      'errors',
      'by level',
      'by service',
      'busiest hours',
      'duration by action',
      'slowest records',
    ]) {
      expect(text.stdout).toContain(section);
    }
    const json = JSON.parse(run(['stats', '--format', 'json']).stdout);
    const lines = allLines().map((l) => JSON.parse(l));
    expect(json.records).toBe(lines.length);
    expect(json.sessions).toBe(300);
    expect(json.errors).toBe(
      lines.filter((r) => ['ERROR', 'CRITICAL'].includes(r.level) || ['failed', 'error'].includes(r.status))
        .length,
    );
    expect(json.slowest).toHaveLength(10);
  });

  it('colours only when asked on a pipe, and never with --no-color or NO_COLOR', () => {
    expect(run(['log', '--since', '2d', '--tail', '3'], { FORCE_COLOR: '1' }).stdout).toContain(ESC);
    expect(
      run(['log', '--since', '2d', '--tail', '3', '--no-color'], { FORCE_COLOR: '1' }).stdout,
    ).not.toContain(ESC);
    expect(
      run(['log', '--since', '2d', '--tail', '3'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout,
    ).not.toContain(ESC);
  });
});
