import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline, type Readable, type Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { compileMasker } from '../../redact/compile-masker.js';
import { maskLine } from '../../redact/mask-text.js';
import type { Masker } from '../../redact/masker.js';
import { BUILT_IN_RULE_NAMES, type BuiltInRuleName } from '../../redact/value-patterns.js';

/** Where the command reads and writes; tests pass their own streams. */
export interface MaskCommandDeps {
  stdin: Readable;
  stdout: Writable;
}

interface MaskOptions {
  keys?: string;
  disable?: string;
  ip?: boolean;
}

/** Output is written in chunks of about this size: one write per line would dominate on big files. */
const CHUNK_CHARS = 64 * 1024;

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function ruleNames(value: string | undefined): BuiltInRuleName[] {
  const names = commaList(value);
  const unknown = names.filter((name) => !(BUILT_IN_RULE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `--disable: unknown rule(s) ${unknown.join(', ')}; known: ${BUILT_IN_RULE_NAMES.join(', ')}`,
    );
  }
  return names as BuiltInRuleName[];
}

function openInput(file: string, stdin: Readable): Readable {
  if (file === '-') return stdin;
  const raw = createReadStream(file);
  if (!file.endsWith('.gz')) return raw;
  // pipeline destroys both streams on either's error; the error then surfaces from the gunzip side.
  const gunzip = createGunzip();
  pipeline(raw, gunzip, () => {});
  return gunzip;
}

/** Writes with backpressure; a destroyed output (closed pipe) never drains, so it is not waited for. */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text) && !out.destroyed) await once(out, 'drain');
}

/** Masks one input line by line onto `out`, holding at most one chunk in memory. */
async function maskStream(input: Readable, masker: Masker, out: Writable): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let chunk = '';
  for await (const line of lines) {
    chunk += maskLine(line, masker) + '\n';
    if (chunk.length >= CHUNK_CHARS) {
      await write(out, chunk);
      chunk = '';
      if (out.destroyed) break;
    }
  }
  if (chunk !== '') await write(out, chunk);
}

export function registerMaskCommand(program: Command, deps: Partial<MaskCommandDeps> = {}): void {
  program
    .command('mask')
    .description(
      'mask secrets and personal data in JSONL or plain-text logs, with the same rules the logger applies, and write the result to stdout',
    )
    .argument('[files...]', 'files to read, .gz decompressed; none or "-" reads stdin')
    .option('--keys <names>', 'more field names whose values are replaced whole, comma separated')
    .option(
      '--disable <rules>',
      `built-in rules to switch off, comma separated (${BUILT_IN_RULE_NAMES.join(', ')})`,
    )
    .option('--ip', 'also mask IPv4 and IPv6 addresses')
    .addHelpText(
      'after',
      '\nJSON lines keep their structure: sensitive keys are replaced whole, every string value is\n' +
        'masked, numbers and key order are untouched. Other lines are masked as text.\n\n' +
        'Examples:\n' +
        '  $ actionlog mask old-app.log > old-app.masked.log\n' +
        '  $ kubectl logs deploy/api | actionlog mask --keys customer_ref,iban --ip\n' +
        '  $ actionlog mask logs/2026-11-*.jsonl.gz | gzip > masked.jsonl.gz',
    )
    .action(async (files: string[], options: MaskOptions) => {
      const stdin = deps.stdin ?? process.stdin;
      const stdout = deps.stdout ?? process.stdout;
      const masker = compileMasker({
        keys: commaList(options.keys),
        disable: ruleNames(options.disable),
        ipAddresses: options.ip === true,
      });
      // A closed pipe (`| head`) ends the command quietly instead of crashing on EPIPE.
      const ignore = () => {};
      stdout.on('error', ignore);
      const failed: string[] = [];
      try {
        for (const file of files.length > 0 ? files : ['-']) {
          if (stdout.destroyed) break;
          try {
            await maskStream(openInput(file, stdin), masker, stdout);
          } catch (error) {
            if (stdout.destroyed || (error as NodeJS.ErrnoException).code === 'EPIPE') break;
            failed.push(`${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
          }
        }
      } finally {
        // A destroyed stream may still emit its error on a later tick: keep ignoring it then.
        if (!stdout.destroyed) stdout.off('error', ignore);
      }
      if (failed.length > 0) throw new Error(`could not read ${failed.join(', ')}`);
    });
}
