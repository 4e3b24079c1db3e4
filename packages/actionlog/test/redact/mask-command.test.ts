import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerMaskCommand } from '../../src/cli/commands/mask.js';

const dir = mkdtempSync(join(tmpdir(), 'actionlog-mask-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], input = ''): Promise<string> {
  const stdout = new PassThrough();
  let output = '';
  stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const program = new Command().exitOverride();
  registerMaskCommand(program, { stdin: Readable.from([input]), stdout });
  await program.parseAsync(['mask', ...args], { from: 'user' });
  return output;
}

describe('actionlog mask', () => {
  it('masks JSONL and text from stdin', async () => {
    const input =
      '{"data":{"password":"hunter2","n":1}}\r\nplain text mail bob@example.com\n\nno secrets here';
    expect(await run([], input)).toBe(
      '{"data":{"password":"[MASKED]","n":1}}\nplain text mail ***@example.com\n\nno secrets here\n',
    );
  });

  it('reads files one after another, gzip included, "-" being stdin', async () => {
    const plain = join(dir, 'a.log');
    const zipped = join(dir, 'b.jsonl.gz');
    writeFileSync(plain, 'token=abc123def\n');
    writeFileSync(zipped, gzipSync('{"email":"carol@example.org"}\n'));
    expect(await run([plain, zipped, '-'], 'AKIAIOSFODNN7EXAMPLE\n')).toBe(
      'token=[MASKED]\n{"email":"***@example.org"}\nAKIA[MASKED]\n',
    );
  });

  it('streams a big file line by line', async () => {
    const big = join(dir, 'big.jsonl');
    const lines = 50_000;
    writeFileSync(
      big,
      Array.from({ length: lines }, (_, i) => `{"i":${i},"token":"t${i}"}`).join('\n') + '\n',
    );
    const output = await run([big]);
    const written = output.split('\n');
    expect(written).toHaveLength(lines + 1);
    expect(written[lines - 1]).toBe(`{"i":${lines - 1},"token":"[MASKED]"}`);
  });

  it('takes extra keys, rules to disable and the IP switch', async () => {
    expect(
      await run(
        ['--keys', 'customer_ref, iban', '--disable', 'email', '--ip'],
        'customer_ref=CR-1 bob@example.com 10.0.0.1\n',
      ),
    ).toBe('customer_ref=[MASKED] bob@example.com [IP]\n');
  });

  it('names unknown rules and unreadable files', async () => {
    await expect(run(['--disable', 'emial'])).rejects.toThrow(
      /--disable: unknown rule\(s\) emial; known: default-keys,/,
    );
    await expect(run([join(dir, 'missing.log')])).rejects.toThrow(/could not read .*missing\.log \(ENOENT\)/);
    const corrupt = join(dir, 'corrupt.jsonl.gz');
    writeFileSync(corrupt, 'not gzip\n');
    await expect(run([corrupt])).rejects.toThrow(/could not read .*corrupt\.jsonl\.gz \(Z_DATA_ERROR\)/);
  });

  it('stops quietly when the output closes early (| head)', async () => {
    const big = join(dir, 'closing.log');
    writeFileSync(big, 'mail bob@example.com and more text to fill the line\n'.repeat(200_000));
    let seen = 0;
    const stdout: Writable = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        if (seen > 100_000) this.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        else callback();
      },
    });
    const program = new Command().exitOverride();
    registerMaskCommand(program, { stdin: Readable.from(['']), stdout });
    await program.parseAsync(['mask', big], { from: 'user' });
    expect(stdout.destroyed).toBe(true);
  });

  it('explains itself in --help with an example', () => {
    const program = new Command();
    registerMaskCommand(program);
    const mask = program.commands.find((command) => command.name() === 'mask')!;
    let help = '';
    mask.configureOutput({ writeOut: (text) => (help += text) });
    mask.outputHelp();
    expect(help).toContain('mask [options] [files...]');
    expect(help).toContain('$ actionlog mask old-app.log > old-app.masked.log');
  });
});
