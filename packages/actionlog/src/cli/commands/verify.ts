import { statSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { integrityKeyFromEnv } from '../../files/chain-hash.js';
import { parseSegmentName } from '../../files/segments.js';
import { listStreamSegments } from '../../files/stream-segments.js';
import {
  findChainedStreams,
  isChainedStream,
  type StreamReport,
  verifyStream,
} from '../../files/verify-chain.js';
import { humanBytes } from '../human-bytes.js';
import { progressBar } from '../progress-bar.js';

interface VerifyCommandOptions {
  dir?: string;
  json?: boolean;
}

/** Bad input to `verify`: one line naming it (exit code 2). */
export class VerifyInputError extends Error {}

interface Target {
  dir: string;
  /** Only these segment files, when paths to files were given. */
  only?: Set<string>;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'check the hash chain of the audit stream (and any other chained stream): intact, or where it breaks',
    )
    .argument(
      '[paths...]',
      'stream directories or segment files to check (default: every chained stream under --dir)',
    )
    .option('-d, --dir <dir>', 'log directory (default: "dir" from the config, ./logs)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nEach record of a chained stream carries "hash": SHA-256 (HMAC-SHA-256 when ACTIONLOG_INTEGRITY_KEY\n' +
        'is set) over the previous hash and the record. verify walks every segment in order, .jsonl and\n' +
        '.jsonl.gz, and reports "OK <n> records" or the first broken link: file, line and reason\n' +
        '(edited, deleted, inserted, reordered, truncated, segment-missing, ...).\n' +
        'Exit code 0 when intact, 1 when broken, 2 when it cannot check (no chain found, key missing).\n\n' +
        'Examples:\n' +
        '  $ actionlog verify                                  every chained stream under ./logs\n' +
        '  $ actionlog verify --dir /var/log/shop --json\n' +
        '  $ actionlog verify logs/audit/2026-11-23.jsonl      one segment\n' +
        '  $ ACTIONLOG_INTEGRITY_KEY=... actionlog verify      a keyed (HMAC) chain',
    )
    .action(async (paths: string[], options: VerifyCommandOptions) => {
      const root = resolve(options.dir ?? loadConfig().config.dir);
      const targets =
        paths.length > 0 ? targetsFromPaths(paths) : targetsUnder(root, options.dir !== undefined);
      const key = integrityKeyFromEnv();
      const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !options.json;
      const paint = (code: string, text: string): string => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
      const shown = (path: string): string => relative(process.cwd(), path) || '.';

      const reports: StreamReport[] = [];
      for (const target of targets) {
        const bar = options.json ? undefined : progressBar(`verifying ${shown(target.dir)}/`);
        const total = totalBytes(target);
        const started = performance.now();
        try {
          const report = await verifyStream(target.dir, {
            key,
            only: target.only,
            onProgress: (bytes) => bar?.update(bytes, total),
          });
          reports.push(report);
          bar?.finish();
          if (!options.json) {
            process.stdout.write(describeReport(report, performance.now() - started, shown, paint));
          }
        } finally {
          bar?.finish();
        }
      }
      const ok = reports.every((report) => report.ok);
      if (options.json) {
        process.stdout.write(
          JSON.stringify(
            {
              ok,
              streams: reports.map((report) => ({
                stream: shown(report.dir),
                ...report,
              })),
            },
            null,
            2,
          ) + '\n',
        );
      }
      process.exitCode = ok ? 0 : 1;
    });
}

function targetsUnder(root: string, dirGiven: boolean): Target[] {
  const stat = statSync(root, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new VerifyInputError(
      `no log directory at ${relative(process.cwd(), root) || root}` +
        (dirGiven ? '' : ' (use --dir to point at yours, or give stream directories or segment files)'),
    );
  }
  const streams = findChainedStreams(root);
  if (streams.length === 0) {
    throw new VerifyInputError(
      `no hash-chained streams under ${relative(process.cwd(), root) || root}: audit/ is chained once ` +
        'something is audited (log.audit(...)); other streams need "integrity": true in the config',
    );
  }
  return streams.map((dir) => ({ dir }));
}

function targetsFromPaths(paths: string[]): Target[] {
  const targets = new Map<string, Target>();
  for (const path of paths) {
    const full = resolve(path);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat === undefined) throw new VerifyInputError(`${path}: no such file or directory`);
    if (stat.isDirectory()) {
      const streams = findChainedStreams(full);
      if (streams.length === 0)
        throw new VerifyInputError(`${path}: no hash-chained stream in this directory`);
      for (const dir of streams) targets.set(dir, { dir });
      continue;
    }
    if (parseSegmentName(basename(full)) === undefined) {
      throw new VerifyInputError(
        `${path}: not a log segment; expected a file named like 2026-11-23.jsonl, 2026-11-23.1.jsonl or 2026-11-23.jsonl.gz`,
      );
    }
    const dir = dirname(full);
    const target = targets.get(dir) ?? { dir, only: new Set<string>() };
    target.only?.add(basename(full));
    targets.set(dir, target);
  }
  for (const target of targets.values()) {
    // A stream that was never chained has nothing to verify: BROKEN would be a false alarm.
    if (target.only !== undefined && !isChainedStream(target.dir)) {
      throw new VerifyInputError(
        `${[...target.only].map((name) => relative(process.cwd(), resolve(target.dir, name))).join(', ')}: ` +
          `its stream (${relative(process.cwd(), target.dir) || target.dir}) is not hash-chained, so there is nothing to verify; ` +
          'audit/ is chained once something is audited (log.audit(...)); other streams need "integrity": true in the config',
      );
    }
  }
  return [...targets.values()];
}

/** Bytes on disk the run will read, for the progress bar. */
function totalBytes(target: Target): number {
  return listStreamSegments(target.dir)
    .filter((segment) => target.only === undefined || target.only.has(segment.name))
    .reduce((sum, segment) => sum + segment.size, 0);
}

function describeReport(
  report: StreamReport,
  elapsedMs: number,
  shown: (path: string) => string,
  paint: (code: string, text: string) => string,
): string {
  const where = `${shown(report.dir)}/`;
  const segments =
    `${report.segments} segment${report.segments === 1 ? '' : 's'}` +
    (report.compressedSegments > 0 ? ` (${report.compressedSegments} compressed)` : '');
  // Speed only means something on a run long enough to measure.
  const speed =
    elapsedMs >= 1000 ? `, ${(report.bytes / 1024 ** 2 / (elapsedMs / 1000)).toFixed(0)} MB/s` : '';
  let text: string;
  if (report.ok) {
    text =
      `${paint('32', 'OK')}      ${where}  ${report.records.toLocaleString('en-US')} records in ${segments}, ` +
      `${humanBytes(report.bytes)}, ${report.algorithm}${speed}\n`;
  } else {
    const brk = report.break!;
    const at = brk.line > 0 ? `${shown(brk.file)} line ${brk.line}` : shown(brk.file);
    text = `${paint('31', 'BROKEN')}  ${where}  ${at}: ${paint('1', brk.reason)}: ${brk.detail}\n`;
  }
  for (const note of report.notes) text += `        note: ${note}\n`;
  return text;
}
