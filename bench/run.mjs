// `npm run bench` / `node bench/run.mjs [options]`: each logger case in its own child process,
// one after the other, then one markdown table for the README. See --help.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { argv, execPath, exit, stderr, version } from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { verifyDir } from './lib/verify.mjs';
import { BASELINES, CASES, findCase, MASKING_BASELINES, MASKING_CASES } from './logger-cases/index.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// On the real disk, inside the repository (git-ignored): tmpfs would flatter every logger.
const OUT_ROOT = join(HERE, '..', '.bench-out');

const HELP = `Usage: node bench/run.mjs [options]     (npm run bench builds first)

Writes the same action record N times to a file with each logger, each case in a fresh child
process, verifies every line on disk, and prints a markdown table.

Options:
  --records N       records per case (default 1,000,000)
  --quick           100,000 records
  --latency N       calls timed one by one in the latency pass (default min(200,000, records))
  --yield N         yield to the event loop every N records, as a server between requests
                    would (default 0: a tight loop that never yields)
  --only a,b        run only these cases: ${CASES.map((c) => c.name).join(', ')}
  --rounds N        run every case N times, round-robin, and report the median (default 1)
  --cpu-prof        write a V8 CPU profile per case to .bench-out/profiles/
                    (summarize one with: node bench/profile-summary.mjs <file>)
  --keep            keep the written log files under .bench-out/ instead of deleting them
  -h, --help        this text
`;

const options = parseOptions();
const runDir = join(OUT_ROOT, `run-${process.pid}`);
const profileDir = join(OUT_ROOT, 'profiles');

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
console.log(footnotes(rows, options));
if (rows.some((row) => row.problem)) exit(1);

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(2),
      options: {
        records: { type: 'string' },
        quick: { type: 'boolean', default: false },
        latency: { type: 'string' },
        only: { type: 'string' },
        rounds: { type: 'string', default: '1' },
        yield: { type: 'string', default: '0' },
        'cpu-prof': { type: 'boolean', default: false },
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
    parsed.records !== undefined ? count(parsed.records, '--records') : parsed.quick ? 100_000 : 1_000_000;
  const latency =
    parsed.latency !== undefined ? count(parsed.latency, '--latency') : Math.min(200_000, records);
  // Named cases still run, and print, in the usual order.
  const named = parsed.only === undefined ? CASES : parsed.only.split(',').map(caseNamed);
  const cases = CASES.filter((c) => named.includes(c));
  const yieldEvery = parsed.yield === '0' ? 0 : count(parsed.yield, '--yield');
  const rounds = count(parsed.rounds, '--rounds');
  return { records, latency, yieldEvery, rounds, cases, cpuProf: parsed['cpu-prof'], keep: parsed.keep };
}

/** `1000000`, `1_000_000`, `1,000,000` and `1e6` are all a million. */
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

function machineHeader({ records, latency }) {
  const cpuList = cpus();
  return [
    `Logger benchmark, ${new Date().toISOString()}`,
    '',
    `- actionlog ${libraryRevision()}; pino ${versionOf('pino')}; winston ${versionOf('winston')}`,
    `- Node ${version} on ${type()} ${release()}`,
    `- Load average at start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(', ')} (anything else running skews the numbers)`,
    `- CPU: ${cpuList[0]?.model.trim() ?? 'unknown'}, ${cpuList.length} cores; ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM`,
    `- ${records.toLocaleString('en-US')} records per case (1 in 10 an error with a cause); ` +
      `latency pass: ${latency.toLocaleString('en-US')} calls timed one by one`,
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

/** Runs one case in a child process, then reads back and deletes what it wrote. */
async function runCase(benchCase, round) {
  const outDir = join(runDir, `${benchCase.name}-${round}`);
  mkdirSync(outDir, { recursive: true });
  stderr.write(`running ${benchCase.label}${options.rounds > 1 ? ` (round ${round})` : ''} … `);
  const flags = options.cpuProf
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${profileDir}`,
        `--cpu-prof-name=${benchCase.name}-${process.pid}-${round}.cpuprofile`,
      ]
    : [];
  const child = spawn(
    execPath,
    [
      ...flags,
      join(HERE, 'child.mjs'),
      benchCase.name,
      String(options.records),
      String(options.latency),
      String(options.yieldEvery),
      outDir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text) => {
    output += text;
  });
  const [code, signal] = await once(child, 'close');
  const row = { label: benchCase.label, name: benchCase.name };
  if (code !== 0) {
    row.problem = `child failed (${signal ?? `exit code ${code}`})`;
    stderr.write(`${row.problem}\n`);
    return row;
  }
  row.result = JSON.parse(output.trim().split('\n').pop());
  stderr.write(`${(row.result.wallNs / 1e9).toFixed(1)} s, verifying … `);
  row.problem = checkFiles(join(outDir, 'throughput'), options.records, 'throughput pass', row);
  row.problem ??= checkFiles(join(outDir, 'latency'), options.latency, 'latency pass');
  if (!options.keep) rmSync(outDir, { recursive: true, force: true });
  stderr.write(`${row.problem ?? 'ok'}\n`);
  return row;
}

/**
 * One row per case: the median round (by records/s) for the speed and latency figures, the
 * highest peak RSS, and every round's records/s for the spread. Any failed round fails the case.
 */
function combineRounds(rounds) {
  const failed = rounds.find((row) => row.problem);
  if (failed) return failed;
  const byRate = [...rounds].sort((a, b) => rate(a.result) - rate(b.result));
  const median = byRate[Math.floor((byRate.length - 1) / 2)];
  const medianOf = (key) => {
    const values = rounds.map((row) => row.result[key]).sort((a, b) => a - b);
    return values[Math.floor((values.length - 1) / 2)];
  };
  return {
    ...median,
    rates: byRate.map((row) => rate(row.result)),
    result: {
      ...median.result,
      p50Ns: medianOf('p50Ns'),
      p99Ns: medianOf('p99Ns'),
      p999Ns: medianOf('p999Ns'),
      maxNs: Math.max(...rounds.map((row) => row.result.maxNs)),
      peakRssBytes: Math.max(...rounds.map((row) => row.result.peakRssBytes)),
    },
  };
}

/** A description of what is wrong with the files, or undefined when every record is there. */
function checkFiles(dir, expected, pass, row) {
  const found = verifyDir(dir);
  if (row) row.bytesPerRecord = found.bytes / Math.max(1, found.lines);
  const errors = Math.floor(expected / 10);
  const wrong = [];
  if (found.lines !== expected)
    wrong.push(`${found.lines.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} lines`);
  if (found.invalid > 0) wrong.push(`${found.invalid.toLocaleString('en-US')} not JSON`);
  if (found.withCause !== errors)
    wrong.push(
      `${found.withCause.toLocaleString('en-US')} of ${errors.toLocaleString('en-US')} errors with their cause`,
    );
  return wrong.length === 0 ? undefined : `${pass}: ${wrong.join(', ')}`;
}

function formatTable(rows) {
  const baseline = bestPino(rows);
  const maskingBaseline = bestPino(rows, MASKING_BASELINES);
  const lines = [
    '| case | records/s | p50 µs | p99 µs | peak RSS MB | vs best pino | wall s | on disk |',
    '|---|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const row of rows) {
    if (!row.result) {
      lines.push(`| ${row.label} | **FAILED** | | | | | | **${row.problem}** |`);
      continue;
    }
    const r = row.result;
    const base = MASKING_CASES.includes(row.name) ? maskingBaseline : baseline;
    const baseRate = base ? rate(base.result) : undefined;
    // A case that lost or mangled records gets no speed or latency figures to quote.
    const recordsPerSecond = row.problem ? '**INVALID**' : Math.round(rate(r)).toLocaleString('en-US');
    const p50 = row.problem ? '—' : us(r.p50Ns);
    const p99 = row.problem ? '—' : us(r.p99Ns);
    const ratio = row.problem || baseRate === undefined ? '—' : `${(rate(r) / baseRate).toFixed(2)}×`;
    lines.push(
      `| ${row.label} | ${recordsPerSecond} | ${p50} | ${p99} | ${(r.peakRssBytes / 2 ** 20).toFixed(0)} | ` +
        `${ratio} | ${(r.wallNs / 1e9).toFixed(2)} | ${row.problem ? `**${row.problem}**` : 'all lines ✓'} |`,
    );
  }
  return lines.join('\n');
}

/** The verified pino case with the most records/s, if any ran. */
function bestPino(rows, names = BASELINES) {
  const candidates = rows.filter((row) => names.includes(row.name) && row.result && !row.problem);
  return candidates.sort((a, b) => rate(b.result) - rate(a.result))[0];
}

function footnotes(rows, { cpuProf, yieldEvery, rounds }) {
  const timed = rows.filter((row) => row.result);
  const clock = timed.length ? Math.max(...timed.map((row) => row.result.clockNs)) : 0;
  const notes = [
    '',
    'records/s: records ÷ wall time from the first call until the last byte was written to the file ' +
      "(write(2) returned; pino's closing fsync is not counted, the others do not fsync).",
    `p50/p99: one \`log()\` call each, in a second pass with warm code; nothing subtracted (reading the clock twice costs ~${clock} ns).`,
    "peak RSS: `process.resourceUsage().maxRSS` of the case's own child process.",
  ];
  const baseline = bestPino(rows);
  if (baseline)
    notes.push(`vs best pino: records/s ÷ those of the faster pino case in this run (${baseline.label}).`);
  const maskingBaseline = bestPino(rows, MASKING_BASELINES);
  if (maskingBaseline)
    notes.push(
      `Masking cases: the record carries two secrets in data and one in the message; pino redacts the two data paths ` +
        `(it cannot mask the message), actionlog masks all three with its defaults; their ratio is to ${maskingBaseline.label}.`,
    );
  notes.push(
    yieldEvery > 0
      ? `The loops yield to the event loop (setImmediate) every ${yieldEvery} records.`
      : 'The loops never yield to the event loop: async writers can only write once they end, or when their own bound forces a synchronous write.',
  );
  const loops = timed.map(
    (row) => `${row.label} ${(row.result.loopNs / 1e9).toFixed(2)} / ${(row.result.wallNs / 1e9).toFixed(2)}`,
  );
  if (loops.length)
    notes.push(`Loop / wall s (the rest is writing out what the loop left behind): ${loops.join('; ')}.`);
  if (timed.some((row) => row.name === 'winston'))
    notes.push(
      "winston's log() hands the record to its object stream; formatting and writing mostly happen later, " +
        'so its call latency is low and its wall time is not.',
    );
  const tails = timed.map((row) => `${row.label} ${us(row.result.p999Ns)} / ${us(row.result.maxNs)}`);
  if (tails.length) notes.push(`p99.9 / max µs: ${tails.join('; ')}.`);
  const sizes = timed
    .filter((row) => row.bytesPerRecord)
    .map((row) => `${row.label} ${Math.round(row.bytesPerRecord)}`);
  if (sizes.length) notes.push(`Bytes per line on disk: ${sizes.join('; ')}.`);
  if (rounds > 1) {
    const spreads = timed.map(
      (row) => `${row.label} ${row.rates.map((r) => Math.round(r / 1000)).join(', ')}`,
    );
    notes.push(
      `${rounds} rounds: median round's records/s and wall time, median p50/p99, highest peak RSS. ` +
        `Every round's records/s (thousands): ${spreads.join('; ')}.`,
    );
  }
  if (cpuProf) notes.push(`CPU profiles: ${profileDir}`);
  // A markdown list, so the notes stay separate lines when pasted under the table.
  return ['', ...notes.slice(1).map((note) => `- ${note}`)].join('\n');
}

function rate(result) {
  return result.records / (result.wallNs / 1e9);
}

function us(ns) {
  return (ns / 1000).toFixed(ns < 10_000 ? 2 : 1);
}
