import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { parseSize } from '../../config/sizes.js';
import { applyRetention, type RetentionEvent, type RetentionStream } from '../../files/apply-retention.js';
import { integrityKeyFromEnv } from '../../files/chain-hash.js';
import { type RetentionPolicy, type StreamPolicy, streamPolicies } from '../../files/retention-policy.js';
import { listSegments } from '../../files/segments.js';
import { humanBytes } from '../human-bytes.js';
import { progressBar } from '../progress-bar.js';

interface CleanOptions {
  dir?: string;
  dryRun?: boolean;
  json?: boolean;
  retentionDays?: string;
  compressAfterDays?: string;
  maxTotalSize?: string;
}

/** Bad input to `clean`: one line naming it and what is allowed (exit code 2). */
export class CleanUsageError extends Error {}

export function registerCleanCommand(program: Command): void {
  program
    .command('clean')
    .description(
      'apply the retention policy now: gzip old segments, delete expired ones, keep each stream under its size cap',
    )
    .option('-d, --dir <dir>', 'log directory (default: "dir" from the config, ./logs)')
    .option(
      '-n, --dry-run',
      'print what would be compressed and deleted, and the bytes it would free; change nothing',
    )
    .option('--json', 'print the actions and totals as JSON')
    .option('--retention-days <days>', 'delete segments older than this, for this run (a number, or "never")')
    .option(
      '--compress-after-days <days>',
      'gzip segments older than this, for this run (a number, or "never")',
    )
    .option('--max-total-size <size>', 'keep each stream under this size, for this run (e.g. 2GB, or "none")')
    .addHelpText(
      'after',
      '\nThe policy comes from the config\'s "retention" (audit/ and each stream may override it):\n' +
        'compressAfterDays 7, retentionDays 30 (audit/ 365), no size cap by default. Ages come from the\n' +
        "date in each file's name. The newest segment of each stream, and today's, are never touched.\n" +
        'A logger applies the same policy by itself at start-up and daily; this runs it on demand.\n\n' +
        'Examples:\n' +
        '  $ actionlog clean --dry-run                      what would go, and how much it frees\n' +
        '  $ actionlog clean --dir /var/log/shop            apply the configured policy there\n' +
        '  $ actionlog clean --max-total-size 2GB           also cap every stream at 2 GB, this once\n' +
        '  $ actionlog clean --retention-days never --compress-after-days 1   only compress',
    )
    .action(async (options: CleanOptions) => {
      const loaded = loadConfig();
      if (loaded.errors.length > 0) {
        throw new CleanUsageError(
          `the configuration has ${loaded.errors.length} invalid setting(s), and clean deletes files: fix them first ` +
            `(actionlog config check). First: ${loaded.errors[0]}`,
        );
      }
      const overrides = parseOverrides(options);
      const dir = resolve(options.dir ?? loaded.config.dir);
      const policies = streamPolicies({ ...loaded.config, dir });
      const streams: RetentionStream[] = policies.map(({ name, dir: streamDir, retention }) => ({
        name,
        dir: streamDir,
        retention: { ...retention, ...overrides },
      }));
      const skipped = unconfiguredStreams(dir, policies);
      const shown = (path: string): string => relative(process.cwd(), path) || '.';
      const dryRun = options.dryRun === true;
      const bar = options.json ? undefined : progressBar(dryRun ? 'checking' : 'compressing');
      const summary = await applyRetention(streams, {
        now: Date.now(),
        dryRun,
        integrityKey: integrityKeyFromEnv(),
        onEvent: (event) => {
          if (!options.json) {
            bar?.finish();
            process.stdout.write(`${describeEvent(event, dryRun, shown, streams)}\n`);
          }
        },
        onProgress: (done, total) => bar?.update(done, total),
      });
      bar?.finish();

      if (options.json) {
        process.stdout.write(
          JSON.stringify(
            {
              dir,
              dryRun,
              streams: streams.map((s) => ({ name: s.name, dir: s.dir, retention: s.retention })),
              skipped,
              actions: summary.events,
              compressed: summary.compressed,
              deleted: summary.deleted,
              bytesFreed: summary.bytesFreed,
              errors: summary.errors,
              segmentsKept: summary.segmentsKept,
              bytesKept: summary.bytesKept,
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        for (const path of skipped) {
          process.stdout.write(
            `skipped ${shown(path)}/: not a stream in the configuration (add it to "streams" to give it a policy)\n`,
          );
        }
        process.stdout.write(`${describeTotals(summary, dryRun, streams.length)}\n`);
      }
      if (summary.errors > 0) process.exitCode = 1;
    });
}

function parseOverrides(options: CleanOptions): Partial<RetentionPolicy> {
  const overrides: Partial<RetentionPolicy> = {};
  if (options.retentionDays !== undefined) {
    overrides.retentionDays = parseDays(options.retentionDays, '--retention-days');
  }
  if (options.compressAfterDays !== undefined) {
    overrides.compressAfterDays = parseDays(options.compressAfterDays, '--compress-after-days');
  }
  if (options.maxTotalSize !== undefined) {
    const text = options.maxTotalSize.trim().toLowerCase();
    if (text === 'none' || text === 'false') overrides.maxTotalSize = false;
    else {
      const bytes = parseSize(options.maxTotalSize);
      if (bytes === undefined || bytes === 0) {
        throw new CleanUsageError(
          `--max-total-size: got "${options.maxTotalSize}"; expected a size such as 500MB or 2GB, or "none"`,
        );
      }
      overrides.maxTotalSize = bytes;
    }
  }
  return overrides;
}

function parseDays(text: string, flag: string): number | false {
  const value = text.trim().toLowerCase();
  if (value === 'never' || value === 'false') return false;
  if (/^\d+$/.test(value) && Number(value) <= 100_000) return Number(value);
  throw new CleanUsageError(
    `${flag}: got "${text}"; expected a whole number of days (0 to 100000), or "never"`,
  );
}

/** Directories under `dir` holding segments that no configured stream covers: left alone, and said so. */
function unconfiguredStreams(dir: string, policies: StreamPolicy[]): string[] {
  const known = new Set(policies.map((p) => p.dir));
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
  return entries.filter((path) => !known.has(path) && listSegments(path).length > 0);
}

function describeEvent(
  event: RetentionEvent,
  dryRun: boolean,
  shown: (path: string) => string,
  streams: RetentionStream[],
): string {
  const path = shown(event.path);
  switch (event.kind) {
    case 'compress':
      return dryRun
        ? `would compress  ${path}  (${humanBytes(event.bytesBefore)})`
        : `compressed      ${path}  ${humanBytes(event.bytesBefore)} → ${humanBytes(event.bytesAfter ?? 0)}`;
    case 'delete': {
      const policy = streams.find((s) => s.name === event.stream)?.retention;
      const why =
        event.reason === 'age'
          ? `older than ${policy?.retentionDays} days`
          : `over the ${humanBytes(Number(policy?.maxTotalSize))} size cap`;
      return `${dryRun ? 'would delete   ' : 'deleted        '} ${path}  (${humanBytes(event.bytes)}, ${why})`;
    }
    case 'recover':
      return `${dryRun ? 'would tidy     ' : 'tidied         '} ${path}: ${event.detail}`;
    case 'error':
      return `error           ${path}: ${event.message}`;
  }
}

function describeTotals(
  summary: Awaited<ReturnType<typeof applyRetention>>,
  dryRun: boolean,
  streamCount: number,
): string {
  const kept = `${summary.segmentsKept} segment(s), ${humanBytes(summary.bytesKept)}, in ${streamCount} stream(s)`;
  if (summary.compressed === 0 && summary.deleted === 0) {
    return `nothing to do: ${kept} within the policy`;
  }
  if (dryRun) {
    return (
      `would free ${humanBytes(summary.bytesFreed)} by deleting ${summary.deleted} segment(s)` +
      (summary.compressed > 0 ? `, and compress ${summary.compressed} (savings not counted)` : '') +
      `; would keep ${kept}`
    );
  }
  return (
    `freed ${humanBytes(summary.bytesFreed)}: deleted ${summary.deleted}, compressed ${summary.compressed} segment(s); ` +
    `kept ${kept}` +
    (summary.errors > 0 ? `; ${summary.errors} error(s) above` : '')
  );
}
