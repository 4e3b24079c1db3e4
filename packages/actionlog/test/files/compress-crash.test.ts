import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../src/files/apply-retention.js';
import { cleanEnv, cleanupTempDirs, FIXTURES, requireDist, runNode, tempDir } from './helpers.js';

afterEach(cleanupTempDirs);
beforeAll(requireDist);

const NAME = '2026-11-01.jsonl';
const NOW = Date.parse('2026-11-23T12:00:00.000Z');

/** A segment of `lines` JSONL records that does not compress to nothing. */
function segment(dir: string, lines: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    parts.push(`{"seq":${i},"id":"${randomBytes(16).toString('hex')}","message":"${'m'.repeat(80)}"}\n`);
  }
  const bytes = Buffer.from(parts.join(''));
  writeFileSync(join(dir, NAME), bytes);
  return bytes;
}

/** The invariant: the original, byte for byte, or a .gz holding exactly it (or both); never neither. */
function expectOriginalOrCompleteGz(dir: string, original: Buffer): { plain: boolean; packed: boolean } {
  const plain = existsSync(join(dir, NAME));
  const packed = existsSync(join(dir, `${NAME}.gz`));
  expect(plain || packed, `neither ${NAME} nor its .gz in ${readdirSync(dir).join(', ')}`).toBe(true);
  if (plain) expect(readFileSync(join(dir, NAME)).equals(original)).toBe(true);
  if (packed) expect(gunzipSync(readFileSync(join(dir, `${NAME}.gz`))).equals(original)).toBe(true);
  return { plain, packed };
}

/** The next run finishes the job: exactly the .gz, no temp file. */
async function expectNextRunFinishes(dir: string, original: Buffer): Promise<void> {
  const summary = await applyRetention([{ name: 'main', dir, retention: policy }], { now: NOW });
  expect(summary.errors).toBe(0);
  expect(readdirSync(dir).sort()).toEqual([`${NAME}.gz`, '2026-11-23.jsonl']);
  expect(gunzipSync(readFileSync(join(dir, `${NAME}.gz`))).equals(original)).toBe(true);
}

const policy = { compressAfterDays: 7, retentionDays: 30, maxTotalSize: false } as const;

describe('compression survives a crash between any two steps', () => {
  const expected: Record<string, { plain: boolean; packed: boolean }> = {
    writing: { plain: true, packed: false },
    written: { plain: true, packed: false },
    checked: { plain: true, packed: false },
    renamed: { plain: true, packed: true },
    removed: { plain: false, packed: true },
  };
  for (const [step, state] of Object.entries(expected)) {
    const left = [state.plain && 'the original', state.packed && 'the complete .gz']
      .filter(Boolean)
      .join(' and ');
    it(`killed at "${step}": ${left} ${state.plain && state.packed ? 'are' : 'is'} left`, async () => {
      const dir = tempDir();
      const original = segment(dir, 20_000);
      writeFileSync(join(dir, '2026-11-23.jsonl'), '');
      const result = await runNode(join(FIXTURES, 'compress-crash.mjs'), [dir, NAME, step]);
      expect(result.signal, result.stderr).toBe('SIGKILL');
      expect(result.stdout).toBe(`at ${step}\n`);
      expect(expectOriginalOrCompleteGz(dir, original)).toEqual(state);
      await expectNextRunFinishes(dir, original);
    });
  }

  it('killed at random moments, five times over, the invariant holds every time', async () => {
    for (let round = 0; round < 5; round++) {
      const dir = tempDir();
      const original = segment(dir, 60_000);
      writeFileSync(join(dir, '2026-11-23.jsonl'), '');
      const child = spawn(process.execPath, [join(FIXTURES, 'compress-crash.mjs'), dir, NAME, 'never'], {
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      // Killed somewhere inside the compression (about half a second of work here).
      child.stdout.once('data', () =>
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 500)),
      );
      await exited;
      expectOriginalOrCompleteGz(dir, original);
      await expectNextRunFinishes(dir, original);
    }
  });
});
