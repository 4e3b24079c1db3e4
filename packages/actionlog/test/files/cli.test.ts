import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupTempDirs,
  daysAgo,
  editLines,
  manualClock,
  requireDist,
  runCli,
  segmentNames,
  tempDir,
  writeAudit,
  writeSegment,
} from './helpers.js';

afterEach(cleanupTempDirs);
beforeAll(requireDist);

/** A project directory with ./logs holding a main stream and an audit stream of today. */
async function project(): Promise<{ cwd: string; logs: string }> {
  const cwd = tempDir('actionlog-cli-');
  const logs = join(cwd, 'logs');
  const clock = manualClock(new Date().toISOString());
  await writeAudit(logs, 30, { clock: clock.now, maxFileSize: '4KB' });
  return { cwd, logs };
}

/** One line, no stack trace, exit code 2. */
function expectUsageError(
  result: { code: number | null; stderr: string; stdout: string },
  pattern: RegExp,
): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('actionlog clean', () => {
  it('--help explains the policy with examples', async () => {
    const help = await runCli(['clean', '--help'], tempDir());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--dry-run');
    expect(help.stdout).toMatch(/Examples:\n\s+\$ actionlog clean --dry-run/);
  });

  it('--dry-run lists what would go and the bytes freed, and changes nothing; then clean does it', async () => {
    const { cwd, logs } = await project();
    const now = Date.now();
    writeSegment(logs, `${daysAgo(now, 45)}.jsonl`, 3 * 1024);
    writeSegment(logs, `${daysAgo(now, 10)}.jsonl`, 8 * 1024);
    const before = readdirSync(logs).sort();

    const dry = await runCli(['clean', '--dry-run'], cwd);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      `would delete    logs/${daysAgo(now, 45)}.jsonl  (3.0 KB, older than 30 days)`,
    );
    expect(dry.stdout).toContain(`would compress  logs/${daysAgo(now, 10)}.jsonl  (8.0 KB)`);
    expect(dry.stdout).toMatch(/would free 3\.0 KB by deleting 1 segment\(s\), and compress 1/);
    expect(dry.stderr).toBe(''); // no progress bar when stderr is not a terminal
    expect(readdirSync(logs).sort()).toEqual(before);

    const real = await runCli(['clean'], cwd);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/freed .*: deleted 1, compressed 1 segment/);
    expect(existsSync(join(logs, `${daysAgo(now, 45)}.jsonl`))).toBe(false);
    expect(existsSync(join(logs, `${daysAgo(now, 10)}.jsonl.gz`))).toBe(true);
    const again = await runCli(['clean'], cwd);
    expect(again.stdout).toMatch(
      /^nothing to do: \d+ segment\(s\), .* in 2 stream\(s\) within the policy\n$/,
    );
  });

  it('--json, --dir and per-run overrides', async () => {
    const { logs } = await project();
    const now = Date.now();
    for (let age = 5; age >= 2; age--) writeSegment(logs, `${daysAgo(now, age)}.jsonl`, 100 * 1024);
    const result = await runCli(
      ['clean', '--dir', logs, '--json', '--max-total-size', '250KB', '--compress-after-days', 'never'],
      tempDir(),
    );
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out).toMatchObject({ dir: logs, dryRun: false, compressed: 0, errors: 0 });
    expect(out.deleted).toBeGreaterThanOrEqual(2);
    expect(
      out.actions.every((a: { kind: string; reason: string }) => a.kind === 'delete' && a.reason === 'size'),
    ).toBe(true);
    expect(out.streams.map((s: { name: string }) => s.name)).toEqual(['main', 'audit']);
  });

  it('names unconfigured streams it leaves alone', async () => {
    const { cwd, logs } = await project();
    writeSegment(join(logs, 'errors'), `${daysAgo(Date.now(), 400)}.jsonl`, 500);
    const result = await runCli(['clean'], cwd);
    expect(result.stdout).toContain('skipped logs/errors/: not a stream in the configuration');
    expect(segmentNames(join(logs, 'errors'))).toHaveLength(1);
  });

  it('bad input: one line naming the option and what is allowed, exit code 2', async () => {
    const cwd = tempDir();
    expectUsageError(
      await runCli(['clean', '--retention-days', 'soon'], cwd),
      /--retention-days: got "soon"; expected a whole number of days .*, or "never"/,
    );
    expectUsageError(
      await runCli(['clean', '--max-total-size', 'big'], cwd),
      /--max-total-size: got "big"; expected a size such as 500MB or 2GB, or "none"/,
    );
    writeFileSync(
      join(cwd, 'actionlog.config.json'),
      JSON.stringify({ retention: { retentionDays: 'a month' } }),
    );
    expectUsageError(
      await runCli(['clean'], cwd),
      /invalid setting.*clean deletes files.*retention\.retentionDays/,
    );
  });
});

describe('actionlog verify', () => {
  it('reports OK with the record count and exits 0 on an intact chain', async () => {
    const { cwd } = await project();
    const result = await runCli(['verify'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^OK {6}logs\/audit\/ {2}30 records in \d+ segments, .*, sha256\n$/);
    expect(result.stdout).not.toContain('\x1b['); // no colours when stdout is not a terminal
  });

  it('names the first broken link and exits 1; --json says the same', async () => {
    const { cwd, logs } = await project();
    const audit = join(logs, 'audit');
    const [first] = segmentNames(audit);
    editLines(join(audit, first), (l) => (l[2] = l[2].replace('"i":2', '"i":7')));
    const text = await runCli(['verify'], cwd);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      `BROKEN  logs/audit/  logs/audit/${first} line 3: edited: line 3 was edited`,
    );
    const json = await runCli(['verify', '--json'], cwd);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      streams: [{ stream: 'logs/audit', ok: false, break: { line: 3, reason: 'edited' } }],
    });
  });

  it('checks only the segment files given', async () => {
    const { cwd, logs } = await project();
    const audit = join(logs, 'audit');
    const names = segmentNames(audit);
    editLines(join(audit, names[0]), (l) => l.splice(1, 1));
    const one = await runCli(['verify', `logs/audit/${names[1]}`], cwd);
    expect(one.code, one.stdout).toBe(0);
    expect(one.stdout).toMatch(/^OK .* records in 1 segment,/);
    expect((await runCli(['verify', `logs/audit/${names[0]}`], cwd)).code).toBe(1);
  });

  it('cannot check: exit code 2 with one line saying why', async () => {
    const cwd = tempDir();
    expectUsageError(await runCli(['verify'], cwd), /no log directory at logs \(use --dir/);
    mkdirSync(join(cwd, 'logs'));
    writeSegment(join(cwd, 'logs'), '2026-11-23.jsonl', 500);
    expectUsageError(
      await runCli(['verify'], cwd),
      /no hash-chained streams under logs: audit\/ is chained once/,
    );
    // A segment of a stream that was never chained: nothing to verify, not a broken chain.
    expectUsageError(
      await runCli(['verify', 'logs/2026-11-23.jsonl'], cwd),
      /logs\/2026-11-23\.jsonl: its stream \(logs\) is not hash-chained, so there is nothing to verify/,
    );
    expectUsageError(await runCli(['verify', 'nope.jsonl'], cwd), /nope\.jsonl: no such file or directory/);
    expectUsageError(await runCli(['verify', 'logs/2026-11-23.jsonl', 'package.json'], cwd), /no such file/);
    writeFileSync(join(cwd, 'notes.txt'), 'x');
    expectUsageError(
      await runCli(['verify', 'notes.txt'], cwd),
      /notes\.txt: not a log segment; expected a file named like/,
    );
  });

  it('a keyed chain needs ACTIONLOG_INTEGRITY_KEY', async () => {
    const cwd = tempDir();
    process.env.ACTIONLOG_INTEGRITY_KEY = 'sekrit';
    try {
      await writeAudit(join(cwd, 'logs'), 5);
    } finally {
      delete process.env.ACTIONLOG_INTEGRITY_KEY;
    }
    expectUsageError(await runCli(['verify'], cwd), /chained with an HMAC key: set ACTIONLOG_INTEGRITY_KEY/);
    expectUsageError(await runCli(['verify'], cwd, { ACTIONLOG_INTEGRITY_KEY: 'guess' }), /not the key/);
    const ok = await runCli(['verify'], cwd, { ACTIONLOG_INTEGRITY_KEY: 'sekrit' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/OK .* 5 records .*hmac-sha256/);
  });
});
