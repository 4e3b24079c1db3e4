// `npm run bench:multi` / `node bench/multi-writer-bench.mjs [options]`: several processes logging
// at once into one actionlog directory, beside pino and winston with as many processes appending
// to one file. Every record is read back and accounted for before a figure is printed. See --help.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { argv, execPath, exit, hrtime, stderr, version } from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeProblem, verifyWriters } from './lib/verify-writers.mjs';
import { BASELINES, CASES, findCase } from './logger-cases/index.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'multi-writer-child.mjs');
const require = createRequire(import.meta.url);
// On the real disk, inside the repository (git-ignored): tmpfs would flatter every logger.
const OUT_ROOT = join(HERE, '..', '.bench-out');
// The cases that run unless --only names others: actionlog's default durability, and its peers.
const DEFAULT_CASES = ['actionlog-buffered', 'pino', 'pino-sync', 'winston'];

const HELP = `Usage: node bench/multi-writer-bench.mjs [options]     (npm run bench:multi builds first)

Starts several writer processes per case, each with its own logger on ONE target: one actionlog
directory (each process claims its own segments under {dir}/.writers/), or one file that every
pino / winston process appends to (O_APPEND). The writers open their loggers, wait at a barrier,
and log together when the parent says go. The clock runs from 'go' until the last writer has
closed its logger and exited. Then every line of every file is parsed, and every record each
writer logged must be there exactly once and whole; a lost, doubled or torn record fails the
case (no records/s to quote, exit code 1).

Options:
  --writers N       writer processes per case (default 4)
  --records N       records per writer (default 250,000)
  --quick           50,000 records per writer
  --only a,b        run only these cases (default: ${DEFAULT_CASES.join(', ')});
                    any of: ${CASES.map((c) => c.name).join(', ')}
  --rounds N        run every case N times, round-robin, and report the median (default 1)
  --timeout S       give up on a case whose writers have not all exited after S seconds (default 600)
  --keep            keep the written files under .bench-out/ instead of deleting them
  -h, --help        this text
`;

const options = parseOptions();
const runDir = join(OUT_ROOT, `multi-${process.pid}`);

console.log(machineHeader(options));
const builtAt = distBuiltAt();
// Rounds go round-robin through the cases, so that a burst of load elsewhere on the machine
// lands on all of them rather than on whichever case happened to be running.
const runs = options.cases.map(() => []);
try {
  for (let round = 1; round <= options.rounds; round++) {
    for (const [i, benchCase] of options.cases.entries()) runs[i].push(await runCase(benchCase, round));
  }
} finally {
  if (!options.keep) rmSync(runDir, { recursive: true, force: true });
}
const rows = runs.map(combineRounds);
console.log(formatTable(rows));
// The library may be rebuilt while a long run is under way; then its rows may mix two builds.
if (distBuiltAt() !== builtAt) console.log('\n**actionlog was rebuilt during this run: run it again.**');
console.log(footnotes(rows));
const failed = rows.filter((row) => row.problem);
if (failed.length > 0) {
  console.log(
    `\n**FAILED: ${failed.map((row) => `${row.label}: ${row.problem}`).join('; ')}.**` +
      (options.keep ? ` The files are under ${runDir}.` : ' Run with --keep to look at the files.'),
  );
  exit(1);
}

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(2),
      options: {
        writers: { type: 'string', default: '4' },
        records: { type: 'string' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        rounds: { type: 'string', default: '1' },
        timeout: { type: 'string', default: '600' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    stderr.write(`${error.message}\n\n${HELP}`);
    exit(2);
  }
  if (parsed.help) {
    console.log(HELP);
    exit(0);
  }
  const records =
    parsed.records !== undefined ? count(parsed.records, '--records') : parsed.quick ? 50_000 : 250_000;
  // Named cases still run, and print, in the usual order.
  const named = (parsed.only === undefined ? DEFAULT_CASES : parsed.only.split(',')).map(caseNamed);
  const cases = CASES.filter((c) => named.includes(c));
  return {
    writers: count(parsed.writers, '--writers'),
    records,
    rounds: count(parsed.rounds, '--rounds'),
    timeoutMs: count(parsed.timeout, '--timeout') * 1000,
    cases,
    keep: parsed.keep,
  };
}

/** `250000`, `250_000`, `250,000` and `2.5e5` are all the same. */
function count(text, flag) {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) usageError(`${flag} wants a positive whole number, got "${text}"`);
  return n;
}

function caseNamed(name) {
  const found = findCase(name);
  if (!found) usageError(`unknown case "${name}"; cases: ${CASES.map((c) => c.name).join(', ')}`);
  return found;
}

function usageError(message) {
  stderr.write(`bench: ${message}\n`);
  exit(2);
}

function machineHeader({ writers, records }) {
  const cpuList = cpus();
  return [
    `Multi-writer benchmark, ${new Date().toISOString()}`,
    '',
    `- actionlog ${libraryRevision()}; pino ${versionOf('pino')}; winston ${versionOf('winston')}`,
    `- Node ${version} on ${type()} ${release()}`,
    `- Load average at start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(', ')} (anything else running skews the numbers)`,
    `- CPU: ${cpuList[0]?.model.trim() ?? 'unknown'}, ${cpuList.length} cores; ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM`,
    `- ${writers} processes × ${fmt(records)} records each = ${fmt(writers * records)} per case ` +
      '(the single-writer record, 1 in 10 an error with a cause, plus `data.writer` and `data.i`)',
    '',
  ].join('\n');
}

/** The commit the library was built from, marked when packages/actionlog has local changes. */
function libraryRevision() {
  const git = (...args) =>
    execFileSync('git', args, { cwd: HERE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', '../packages/actionlog') !== '';
    return `at ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes' : ''}`;
  } catch {
    return '(revision unknown)';
  }
}

function distBuiltAt() {
  return statSync(join(HERE, '..', 'packages', 'actionlog', 'dist', 'index.js'), { throwIfNoEntry: false })
    ?.mtimeMs;
}

function versionOf(name) {
  return require(`${name}/package.json`).version;
}

/** Runs one case: its writers together on one target, then reads back and deletes what they wrote. */
async function runCase(benchCase, round) {
  const target = join(runDir, `${benchCase.name}-${round}`);
  mkdirSync(target, { recursive: true });
  stderr.write(
    `running ${benchCase.label}, ${options.writers} processes${options.rounds > 1 ? ` (round ${round})` : ''} … `,
  );
  const row = { label: benchCase.label, name: benchCase.name };
  const writers = Array.from({ length: options.writers }, () =>
    startWriter(benchCase.name, options.records, target),
  );
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(resolve, options.timeoutMs, 'timeout');
  });
  try {
    // The barrier: 'go' only once every writer has its logger open.
    const ready = await Promise.race([Promise.all(writers.map((w) => w.ready)), timedOut]);
    if (ready === 'timeout' || writers.some((w) => w.exit)) {
      row.problem =
        ready === 'timeout' ? 'writers not ready in time' : `a writer ended before 'go' (${exitOf(writers)})`;
      return row;
    }
    const go = hrtime.bigint();
    for (const w of writers) w.child.send('go');
    const done = await Promise.race([Promise.all(writers.map((w) => w.closed)), timedOut]);
    if (done === 'timeout') {
      row.problem = `writers still running after ${options.timeoutMs / 1000} s`;
      return row;
    }
    if (writers.some((w) => w.exit.code !== 0 || !w.report)) {
      row.problem = `a writer failed (${exitOf(writers)})`;
      return row;
    }
    row.result = measure(writers, go);
  } finally {
    clearTimeout(timer);
    // Only on a timeout or a failure are any of them still alive; each was started here.
    for (const w of writers) if (!w.exit) w.child.kill('SIGKILL');
    await Promise.all(writers.map((w) => w.closed));
    if (row.problem) stderr.write(`${row.problem}\n`);
  }
  stderr.write(`${(row.result.wallNs / 1e9).toFixed(1)} s, verifying … `);
  const pids = writers.map((w) => w.child.pid);
  row.verify = verifyWriters(target, pids, options.records);
  row.problem = describeProblem(row.verify);
  if (!options.keep) rmSync(target, { recursive: true, force: true });
  stderr.write(`${row.problem ?? 'ok'}\n`);
  return row;
}

/** One writer process, with promises for its 'ready' and for its end (exit code, report, time). */
function startWriter(caseName, records, target) {
  const child = spawn(execPath, [CHILD, caseName, String(records), target], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const writer = { child, report: undefined, exit: undefined, exitNs: undefined };
  let onReady;
  writer.ready = new Promise((resolve) => {
    onReady = resolve;
  });
  child.on('message', (message) => {
    if (message?.type === 'ready') onReady();
    else if (message?.type === 'done') writer.report = message;
  });
  // The clock stops at 'exit'; 'close' comes once the IPC channel has delivered the report too.
  child.once('exit', (code, signal) => {
    writer.exitNs = hrtime.bigint();
    writer.exit = { code, signal };
    onReady();
  });
  writer.closed = new Promise((resolve) => child.once('close', resolve));
  return writer;
}

function exitOf(writers) {
  return writers
    .filter((w) => w.exit && (w.exit.code !== 0 || !w.report))
    .map(
      (w) =>
        `pid ${w.child.pid}: ${w.exit.code === 0 ? 'no report' : (w.exit.signal ?? `exit code ${w.exit.code}`)}`,
    )
    .join(', ');
}

/**
 * Wall time from 'go' until the last writer exited. Overlap: the time all writers were logging
 * at once (latest start to earliest end of a loop plus close), as a share of the wall time;
 * near 100% when the barrier did its job.
 */
function measure(writers, go) {
  // Nanoseconds after 'go': small enough for a Number.
  const since = (ns) => Number(BigInt(ns) - go);
  const starts = writers.map((w) => since(w.report.startNs));
  const stops = writers.map((w) => since(w.report.stopNs));
  const wallNs = Math.max(...writers.map((w) => since(w.exitNs)));
  return {
    records: options.writers * options.records,
    wallNs,
    lastStartNs: Math.max(...starts),
    lastStopNs: Math.max(...stops),
    overlap: Math.max(0, Math.min(...stops) - Math.max(...starts)) / wallNs,
    slowestLoopNs: Math.max(...writers.map((w) => since(w.report.loopEndNs) - since(w.report.startNs))),
    peakRssBytes: Math.max(...writers.map((w) => w.report.peakRssBytes)),
  };
}

/**
 * One row per case: the median round by records/s. Any failed round fails the case: then the
 * row is the worst failed round (most records lost or torn), with the count of failed rounds.
 */
function combineRounds(rounds) {
  const failedRounds = rounds.filter((row) => row.problem);
  if (failedRounds.length > 0) {
    const damage = (row) =>
      row.verify
        ? row.verify.expected - row.verify.found + row.verify.torn + row.verify.duplicates
        : Infinity;
    const worst = [...failedRounds].sort((a, b) => damage(b) - damage(a))[0];
    return {
      ...worst,
      failedRounds: failedRounds.length,
      rounds: rounds.length,
      rates: rounds.filter((row) => row.result).map((row) => rate(row.result)),
    };
  }
  const byRate = [...rounds].sort((a, b) => rate(a.result) - rate(b.result));
  const median = byRate[Math.floor((byRate.length - 1) / 2)];
  return { ...median, rates: byRate.map((row) => rate(row.result)), rounds: rounds.length };
}

function formatTable(rows) {
  const baseline = bestPino(rows);
  const baseRate = baseline ? rate(baseline.result) : undefined;
  const lines = [
    `| ${options.writers} processes, one target | records/s (total) | vs best pino | wall s | peak RSS MB (largest process) | records on disk / logged | torn lines |`,
    '|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    const target = row.name.startsWith('actionlog') ? 'one directory' : 'one file';
    const label = `${row.label} → ${target}`;
    if (!row.result) {
      lines.push(`| ${label} | **FAILED** | | | | **${row.problem}** | |`);
      continue;
    }
    const r = row.result;
    const v = row.verify;
    // A case that lost, doubled or tore records gets no speed figure to quote.
    const recordsPerSecond = row.problem ? '**INVALID**' : fmt(Math.round(rate(r)));
    const ratio = row.problem || baseRate === undefined ? '—' : `${(rate(r) / baseRate).toFixed(2)}×`;
    const onDisk = `${fmt(v.found)} / ${fmt(v.expected)}`;
    lines.push(
      `| ${label} | ${recordsPerSecond} | ${ratio} | ${(r.wallNs / 1e9).toFixed(2)} | ` +
        `${(r.peakRssBytes / 2 ** 20).toFixed(0)} | ${row.problem ? `**${onDisk}**` : `${onDisk} ✓`} | ` +
        `${v.torn > 0 ? `**${fmt(v.torn)}**` : '0'} |`,
    );
  }
  return lines.join('\n');
}

/** The verified pino case with the most records/s, if any ran. */
function bestPino(rows) {
  const candidates = rows.filter((row) => BASELINES.includes(row.name) && row.result && !row.problem);
  return candidates.sort((a, b) => rate(b.result) - rate(a.result))[0];
}

function footnotes(rows) {
  const timed = rows.filter((row) => row.result);
  const notes = [
    `records/s: all ${options.writers} processes' records ÷ wall time from the parent's 'go' (every writer had its ` +
      'logger open and was waiting) until the last writer process had closed its logger and exited ' +
      "(everything handed to the kernel; pino's closing fsync is in its close, the others do not fsync).",
  ];
  const baseline = bestPino(rows);
  if (baseline)
    notes.push(
      `vs best pino: records/s ÷ those of the faster pino case in this run (${baseline.label}, ${options.writers} processes appending to one file).`,
    );
  notes.push(
    "On disk: every line of every `*.jsonl` under the target parsed; a record counts once when its `data.writer` (the writer's pid) and `data.i` were handed out in this run. " +
      'Torn: lines that are not a JSON object (mixed or cut records, NUL-filled holes, a last line without its newline).',
  );
  const damaged = rows.filter((row) => row.verify && row.problem);
  for (const row of damaged) {
    const v = row.verify;
    const perWriter = v.perWriter.map((w) => fmt(w.found)).join(', ');
    notes.push(
      `**${row.label}: ${row.problem}**` +
        (row.failedRounds ? ` (failed ${row.failedRounds} of ${row.rounds} rounds; worst shown)` : '') +
        `: ${fmt(v.lines)} lines in ${v.files} files, records per writer ${perWriter} of ${fmt(options.records)}` +
        (row.rates.length
          ? `; measured ${row.rates.map((r) => fmt(Math.round(r))).join(', ')} records/s, not a figure to quote`
          : '') +
        '.',
    );
  }
  const unread = timed.filter((row) => row.verify?.otherFiles.length);
  for (const row of unread)
    notes.push(`${row.label}: files not read (not \`*.jsonl\`): ${row.verify.otherFiles.join(', ')}.`);
  if (timed.length)
    notes.push(
      'Overlap (all writers logging at once, share of the wall time) / last writer started after go: ' +
        timed
          .map(
            (row) =>
              `${row.label} ${pct(row.result.overlap)} / ${(row.result.lastStartNs / 1e6).toFixed(1)} ms`,
          )
          .join('; ') +
        '.',
    );
  if (timed.length)
    notes.push(
      "Until the last writer's close() returned / until it exited, s (pino's close fsyncs after its last write): " +
        timed
          .map(
            (row) =>
              `${row.label} ${(row.result.lastStopNs / 1e9).toFixed(2)} / ${(row.result.wallNs / 1e9).toFixed(2)}`,
          )
          .join('; ') +
        '.',
    );
  if (timed.length)
    notes.push(
      "Slowest writer's loop / wall s (the rest is writing out what the loops left behind, and exiting): " +
        timed
          .map(
            (row) =>
              `${row.label} ${(row.result.slowestLoopNs / 1e9).toFixed(2)} / ${(row.result.wallNs / 1e9).toFixed(2)}`,
          )
          .join('; ') +
        '.',
    );
  const cores = cpus().length;
  if (cores < options.writers)
    notes.push(
      `${options.writers} writers on ${cores} cores: the writers take turns on the CPU, so the total is bounded by CPU time, not by the disk.`,
    );
  notes.push('The loops never yield to the event loop, as in the single-writer benchmark.');
  if (options.rounds > 1) {
    const spreads = timed.map(
      (row) => `${row.label} ${row.rates.map((r) => Math.round(r / 1000)).join(', ')}`,
    );
    notes.push(
      `${options.rounds} rounds: the median round by records/s. Every round's records/s (thousands): ${spreads.join('; ')}.`,
    );
  }
  // A markdown list, so the notes stay separate lines when pasted under the table.
  return ['', ...notes.map((note) => `- ${note}`)].join('\n');
}

function rate(result) {
  return result.records / (result.wallNs / 1e9);
}

function pct(share) {
  return `${(100 * share).toFixed(0)}%`;
}

function fmt(n) {
  return n.toLocaleString('en-US');
}
