import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/quick-start.mjs', import.meta.url));

it('the README quick start runs as written and writes what it promises', () => {
  const dir = mkdtempSync(join(tmpdir(), 'actionlog-quick-'));
  try {
    const result = spawnSync(process.execPath, [EXAMPLE, dir], {
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'development' },
    });
    expect(result.status).toBe(0);
    // Console output is on by default outside production.
    expect(result.stdout).toContain('server started');
    const day = new Date().toISOString().slice(0, 10);
    const records = readFileSync(join(dir, `${day}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.message)).toEqual([
      'server started',
      'tool_call',
      'createCase succeeded',
      'role_granted',
      'payment failed',
    ]);
    expect(records[1]).toMatchObject({ action: 'tool_call', session_id: 's-1', data: { tool_name: 'bash' } });
    expect(records[2]).toMatchObject({ status: 'success', app: 'shop', service: 'CaseService' });
    expect(records[4].error).toMatchObject({
      message: 'card declined',
      cause: { message: 'issuer unavailable' },
    });
    const audit = readFileSync(join(dir, 'audit', `${day}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ category: 'audit', action: 'role_granted', user_id: 'admin' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
