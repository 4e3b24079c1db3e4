// `node bench/query-bench.mjs [options]` (build first: npm run build -w actionlog).
// The query benchmark: actionlog's `query` command vs DuckDB (read_json, @duckdb/node-api) vs jq,
// on the same ~1 GB log directory (10 daily files, 3 gzipped), page cache warm. See --help.
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { argv, execPath, exit, stderr, version } from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { datasetFiles, ensureDataset } from './query-data.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '..', 'packages', 'actionlog', 'dist', 'cli', 'main.js');
const DATA = join(HERE, '..', '.bench-out', 'query', 'logs');

const HELP = `Usage: node bench/query-bench.mjs [options]

Generates (or reuses) a log directory under .bench-out/query/ and times three questions
with actionlog, DuckDB and jq:
  (a) a selective filter   service = "PaymentService" and status = "failed"   (~1% of lines)
  (b) a full-text term     "rate limit" (any case)                            (~0.5% of lines)
  (c) an aggregation       stats count(), p95(duration_ms) by service
actionlog runs as a user runs it (the CLI, a fresh process, output to a pipe) and as a library
in this process; DuckDB runs in this process on a warm connection, twice: as the issue names it
(read_json, schema detected) and in the fastest form we found for each question (DuckDB tuned),
and as a new process like the CLI (DuckDB, new process: the issue's SQL); jq gets the gzipped
days through gzip -dc. Compare like with like: the CLI with the new process, the library with
DuckDB in this process.

Options:
  --size <MB>     size of the dataset, uncompressed (default 1000)
  --runs <n>      timed runs per tool and query; the median is reported (default 3)
  --only a,b,c    run only these queries
  --no-jq         skip jq (it takes minutes)
  --clean         delete the dataset afterwards (default: keep it for the next run)
  -h, --help      this text
`;

const options = parseOptions();
const QUERIES = [
  {
    id: 'a',
    what: 'selective filter (~1% of lines)',
    actionlog: 'filter service = "PaymentService" and status = "failed"',
    format: 'jsonl',
    duckdb: (glob) =>
      `SELECT * FROM read_json('${glob}') WHERE service = 'PaymentService' AND status = 'failed'`,
    // The fastest form found: the records as JSON text, two fields extracted (no schema detection).
    duckdbTuned: (glob) =>
      `SELECT json FROM read_json_objects('${glob}') WHERE (json->>'service') = 'PaymentService' AND (json->>'status') = 'failed'`,
    jq: `select(.service == "PaymentService" and .status == "failed")`,
  },
  {
    id: 'b',
    what: 'full-text term, any case',
    actionlog: '"rate limit"',
    format: 'jsonl',
    // The raw record text, as actionlog searches it: DuckDB's fastest way to grep JSON.
    duckdb: (glob) =>
      `SELECT json FROM read_json_objects('${glob}') WHERE contains(lower(json::VARCHAR), 'rate limit')`,
    // RE2 with the i flag skips the lower() copy of every record: DuckDB's fastest form found.
    duckdbTuned: (glob) =>
      `SELECT json FROM read_json_objects('${glob}') WHERE regexp_matches(json::VARCHAR, 'rate limit', 'i')`,
    jq: `select(tostring | test("rate limit"; "i"))`,
  },
  {
    id: 'c',
    what: 'stats count(), p95(duration_ms) by service',
    actionlog: 'stats count() as n, p95(duration_ms) as p95 by service',
    format: 'json',
    duckdb: (glob) =>
      `SELECT service, count(*) AS n, quantile_cont(duration_ms, 0.95) AS p95 FROM read_json('${glob}') GROUP BY service ORDER BY service`,
    // Only the two columns, declared: DuckDB then parses nothing else.
    duckdbTuned: (glob) =>
      `SELECT service, count(*) AS n, quantile_cont(duration_ms, 0.95) AS p95 FROM read_json('${glob}', columns={service: 'VARCHAR', duration_ms: 'DOUBLE'}) GROUP BY service ORDER BY service`,
    // Two jq: one streams [service, duration] pairs, one groups them (slurping whole records would need GBs).
    jq: `[.service, .duration_ms]`,
    jqThen: `group_by(.[0]) | map({service: .[0][0], n: length, p95: ([.[][1] | numbers] | sort | .[((length - 1) * 0.95 | floor)])})`,
  },
].filter((q) => options.only.includes(q.id));

if (!existsSync(CLI)) fail(`build first: npm run build -w actionlog (missing ${CLI})`);

console.log(`Query benchmark, ${new Date().toISOString()}\n`);
const manifest = await ensureDataset(DATA, options.size * 1e6, (line) => stderr.write(`${line}\n`));
const files = datasetFiles(DATA);
const mb = manifest.bytes / 1e6;
const onDisk = files.reduce((sum, f) => sum + statSync(f).size, 0) / 1e6;
await warm(files);
const startLoad = loadavg();
console.log(machineHeader(manifest, mb, onDisk));

const actionlog = await import(join(HERE, '..', 'packages', 'actionlog', 'dist', 'index.js'));
const duckdb = await openDuckdb();
const jq = options.jq && hasCommand('jq') ? 'jq' : undefined;
const rows = [];
for (const query of QUERIES) {
  stderr.write(`(${query.id}) ${query.what}\n`);
  // Runs take turns (actionlog, library, DuckDB, again…): a change in the machine's load then
  // hits every tool alike instead of one of them.
  const [al, lib, dk, tuned, dkProcess] = await timeInTurns(
    [
      () => runActionlog(query),
      () => runLibrary(query),
      duckdb && (() => duckdb(query.duckdb(join(DATA, '*.jsonl*')))),
      duckdb && (() => duckdb(query.duckdbTuned(join(DATA, '*.jsonl*')))),
      duckdb && (() => runDuckdbProcess(query.duckdb(join(DATA, '*.jsonl*')))),
    ],
    options.runs,
  );
  const jqRun = jq ? await timeInTurns([() => runJq(query)], 1).then(([r]) => r) : undefined;
  const check = verify(query, al.result, [
    ['DuckDB', dk?.result],
    ['DuckDB, new process', dkProcess?.result],
    ['DuckDB tuned', tuned?.result],
    ['jq', jqRun?.result],
  ]);
  rows.push({ query, al, lib, dk, tuned, dkProcess, jq: jqRun, check });
}
const endLoad = loadavg();
console.log(formatTable(rows));
console.log(
  `\nLoad average ${startLoad.map((n) => n.toFixed(2)).join(', ')} at the start, ${endLoad.map((n) => n.toFixed(2)).join(', ')} at the end` +
    ' (other work on the machine slows every tool; compare within one run).',
);
console.log(
  'MB/s is uncompressed bytes over wall time (median of the runs). actionlog CLI: end to end, a new process each run ' +
    '(node start, worker threads, output through a pipe). actionlog library and DuckDB: in this process, results ' +
    'materialised (DuckDB on a warm connection). DuckDB tuned: the fastest SQL found for the question ' +
    '(declared columns, read_json_objects with ->>, regexp_matches with the i flag). ' +
    `p95 differs by design: DuckDB's is exact, actionlog's a DDSketch (within 1%) past ${'4096'} values a group.`,
);
if (options.clean) rmSync(join(DATA, '..'), { recursive: true, force: true });
if (rows.some((r) => !r.check.ok)) exit(1);

// ───────────────────────────────────────────────────────────────────────────────────────────

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.slice(2),
      options: {
        size: { type: 'string', default: '1000' },
        runs: { type: 'string', default: '3' },
        only: { type: 'string', default: 'a,b,c' },
        'no-jq': { type: 'boolean', default: false },
        clean: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    fail(`${error.message}\n\n${HELP}`);
  }
  if (values.help) {
    console.log(HELP);
    exit(0);
  }
  const size = Number(values.size);
  const runs = Number(values.runs);
  if (!Number.isFinite(size) || size < 10) fail('--size wants a number of MB, at least 10');
  if (!Number.isInteger(runs) || runs < 1) fail('--runs wants a whole number, at least 1');
  const only = values.only.split(',').map((s) => s.trim());
  if (only.some((id) => !['a', 'b', 'c'].includes(id))) fail('--only takes a, b, c');
  return { size, runs, only, jq: !values['no-jq'], clean: values.clean };
}

function fail(message) {
  stderr.write(`query-bench: ${message}\n`);
  exit(2);
}

function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Reads every file twice so all tools meet a warm page cache. */
async function warm(paths) {
  for (let pass = 0; pass < 2; pass++) {
    for (const path of paths) {
      await new Promise((resolve, reject) =>
        createReadStream(path, { highWaterMark: 4 << 20 })
          .on('data', () => {})
          .on('end', resolve)
          .on('error', reject),
      );
    }
  }
}

/** A run that hangs fails the benchmark with a message instead of waiting forever. */
function withinTime(promise, what, seconds = 600) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function timeInTurns(tools, count) {
  const times = tools.map(() => []);
  const results = tools.map(() => undefined);
  for (let i = 0; i < count; i++) {
    for (const [t, run] of tools.entries()) {
      if (!run) continue;
      const started = performance.now();
      results[t] = await withinTime(run(), `tool ${t + 1} of this question`);
      times[t].push((performance.now() - started) / 1000);
    }
  }
  return tools.map((run, t) => {
    if (!run) return undefined;
    const sorted = times[t].slice().sort((a, b) => a - b);
    return { seconds: sorted[Math.floor(sorted.length / 2)], times: times[t], result: results[t] };
  });
}

/** The library in this process (FileEngine), as DuckDB runs here: rows counted or collected. */
async function runLibrary(query) {
  const engine = new actionlog.FileEngine({ dir: DATA });
  if (query.format === 'json') return { rows: (await engine.run(query.actionlog)).rows };
  let count = 0;
  for await (const _line of engine.lines(query.actionlog)) count++;
  return { count };
}

/** DuckDB in a new process, as the CLI is timed (start-up, extension, schema detection included). */
function runDuckdbProcess(sql) {
  const output = execFileSync(execPath, [join(HERE, 'duckdb-process.mjs'), sql], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(output);
}

/** The CLI as a user runs it; stdout read through a pipe (jsonl: counted lines; json: parsed). */
function runActionlog(query) {
  return new Promise((resolve, reject) => {
    const child = spawn(execPath, [CLI, 'query', query.actionlog, '--dir', DATA, '--format', query.format], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    let text = '';
    let errors = '';
    child.stdout.on('data', (chunk) => {
      if (query.format === 'json') text += chunk;
      else for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`actionlog exited ${code}: ${errors}`));
      else resolve(query.format === 'json' ? { rows: JSON.parse(text) } : { count: lines });
    });
  });
}

async function openDuckdb() {
  let api;
  try {
    api = await import('@duckdb/node-api');
  } catch {
    stderr.write('(DuckDB: @duckdb/node-api is not installed; skipped)\n');
    return undefined;
  }
  const instance = await api.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const run = async (sql) => {
    const reader = await connection.runAndReadAll(sql);
    const names = reader.columnNames();
    const rows = reader
      .getRows()
      .map((row) => Object.fromEntries(names.map((name, i) => [name, plain(row[i])])));
    return { count: rows.length, rows };
  };
  // Warm-up: the extension and the schema detection are paid once, as a long-lived process would.
  await run(`SELECT count(*) FROM read_json('${join(DATA, '*.jsonl*')}')`);
  return run;
}

function plain(value) {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** jq over every file in order (gzipped days through gzip -dc). */
function runJq(query) {
  const cat = files.map((f) => (f.endsWith('.gz') ? `gzip -dc '${f}'` : `cat '${f}'`)).join('; ');
  const then = query.jqThen ? ` | jq -s -c '${query.jqThen}'` : ' | wc -l';
  const output = execFileSync('sh', ['-c', `(${cat}) | jq -c '${query.jq}'${then}`], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return query.jqThen ? { rows: JSON.parse(output) } : { count: Number(output.trim()) };
}

/** The tools must agree: same row counts; for (c) the same counts and p95 within 1%. */
function verify(query, al, others) {
  const problems = [];
  if (query.id !== 'c') {
    for (const [name, other] of others) {
      if (other && other.count !== al.count)
        problems.push(`${name} found ${other.count} rows, actionlog ${al.count}`);
    }
    return { ok: problems.length === 0, problems, rows: al.count };
  }
  const mine = new Map(al.rows.map((r) => [r.service, r]));
  for (const [name, other] of others) {
    if (!other) continue;
    for (const row of other.rows) {
      const own = mine.get(row.service);
      if (!own || own.n !== row.n) problems.push(`${name}: count for ${row.service} differs`);
      else if (Math.abs(own.p95 - row.p95) > 0.011 * Math.abs(row.p95)) {
        problems.push(`${name}: p95 for ${row.service} ${row.p95} vs actionlog ${own.p95}`);
      }
    }
  }
  return { ok: problems.length === 0, problems, rows: al.rows.length };
}

function machineHeader(manifest, sizeMb, onDiskMb) {
  const cpu = cpus();
  const revision = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: HERE, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  return [
    `- actionlog at ${revision}; Node ${version} on ${type()} ${release()}`,
    `- CPU: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} cores; ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM`,
    `- Data: ${manifest.records.toLocaleString('en-US')} records, ${sizeMb.toFixed(0)} MB in ${manifest.files.length} daily files ` +
      `(${manifest.files.filter((f) => f.name.endsWith('.gz')).length} gzipped; ${onDiskMb.toFixed(0)} MB on disk), page cache warm`,
    `- Median of ${options.runs} runs, the tools taking turns (jq: 1 run)`,
    '',
  ].join('\n');
}

function formatTable(results) {
  const out = [
    '| query | tool | time | MB/s | vs DuckDB | vs DuckDB tuned | vs DuckDB, new process | rows |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { query, al, lib, dk, tuned, dkProcess, jq: jqRun, check } of results) {
    const speed = (t) => (mb / t.seconds).toFixed(0);
    const ratio = (peer, t) => (peer ? `${(peer.seconds / t.seconds).toFixed(2)}x` : '');
    const row = (label, tool, t, rows, bold = false) => {
      const [a, b, c] = [ratio(dk, t), ratio(tuned, t), ratio(dkProcess, t)].map((r) =>
        bold && r ? `**${r}**` : r,
      );
      return `| ${label} | ${tool} | ${t.seconds.toFixed(2)} s | ${speed(t)} | ${a} | ${b} | ${c} | ${rows} |`;
    };
    const count = (t) => t.result.count ?? t.result.rows.length;
    out.push(row(`(${query.id}) ${query.what}`, 'actionlog CLI', al, check.rows, true));
    out.push(row('', 'actionlog library', lib, count(lib)));
    if (dk) out.push(row('', 'DuckDB', dk, count(dk)));
    if (tuned) out.push(row('', 'DuckDB tuned', tuned, count(tuned)));
    if (dkProcess) out.push(row('', 'DuckDB, new process', dkProcess, count(dkProcess)));
    if (jqRun) out.push(row('', 'jq', jqRun, count(jqRun)));
    for (const problem of check.problems) out.push(`|  | **mismatch** | ${problem} | | | | | |`);
  }
  return out.join('\n');
}
