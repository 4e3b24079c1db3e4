// `node bench/files-bench.mjs [options]` (after `npm run build`): log files over time.
//   1. chained audit logging (hash chain on, durability sync) beside plain sync logging, records/s;
//   2. `verify` throughput on ~1 GB of chained audit logs written by the logger, MB/s.
// Each logging case runs in its own child process. Files go to .bench-out/ (git-ignored) and are
// deleted afterwards. Targets (issue 4): chained >= 50% of plain sync; verify >= 200 MB/s.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { argv, execPath, exit, stderr, version } from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, '..', 'packages', 'actionlog', 'dist');
const OUT_ROOT = join(HERE, '..', '.bench-out');

const HELP = `Usage: node bench/files-bench.mjs [options]

Options:
  --records N     records per logging case (default 300,000)
  --rounds N      run every case N times, interleaved, and report the best and the median (default 3)
  --verify-mb N   size of the chained audit stream verify reads (default 1024)
  --gz            also verify the same stream after gzipping every segment
  --quick         100,000 records, 256 MB
  --keep          keep the files under .bench-out/
  -h, --help      this text
`;

const { values: options } = parseArgs({
  args: argv.slice(2),
  options: {
    records: { type: 'string' },
    rounds: { type: 'string' },
    'verify-mb': { type: 'string' },
    gz: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    // Internal: run one logging case in this (child) process.
    case: { type: 'string' },
    dir: { type: 'string' },
  },
});
if (options.help) {
  console.log(HELP);
  exit(0);
}

if (options.case) {
  await runLoggingCase(options.case, options.dir, Number(options.records));
  exit(0);
}

const records = Number(options.records ?? (options.quick ? 100_000 : 300_000));
const verifyMb = Number(options['verify-mb'] ?? (options.quick ? 256 : 1024));
const rounds = Math.max(1, Number(options.rounds ?? 3));
const runDir = join(OUT_ROOT, `files-${process.pid}`);
mkdirSync(runDir, { recursive: true });

console.log(`## actionlog files bench — node ${version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
try {
  // Interleaved rounds: a busy machine slows every case alike rather than one of them.
  const names = ['plain-sync', 'chained-sync', 'chained-hmac-sync'];
  const runs = new Map(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) runs.get(name).push((await loggingCase(name, records)).perSecond);
  }
  const [plain, chained, keyed] = names.map((name) => ({ name, ...spread(runs.get(name)) }));
  const share = chained.best / plain.best;
  console.log(
    `| logging case (audit, durability sync; ${fmt(records)} records × ${rounds}) | best records/s | median | best vs plain |`,
  );
  console.log('|---|---:|---:|---:|');
  for (const row of [plain, chained, keyed]) {
    console.log(`| ${row.name} | ${fmt(row.best)} | ${fmt(row.median)} | ${pct(row.best / plain.best)} |`);
  }
  console.log(`\nchained >= 50% of plain sync: **${share >= 0.5 ? 'met' : 'MISSED'}** (${pct(share)})\n`);

  const verify = await verifyCase(verifyMb);
  console.log(`| verify (${rounds} runs each) | data | best | median |`);
  console.log('|---|---:|---:|---:|');
  for (const row of verify) {
    const speeds = spread(row.ms.map((ms) => row.mb / (ms / 1000)));
    row.best = speeds.best;
    console.log(
      `| ${row.name} | ${fmt(row.mb)} MB | ${fmt(speeds.best)} MB/s | ${fmt(speeds.median)} MB/s |`,
    );
  }
  const mbps = verify[0].best;
  console.log(`\nverify >= 200 MB/s: **${mbps >= 200 ? 'met' : 'MISSED'}** (${fmt(mbps)} MB/s)`);
  if (share < 0.5 || mbps < 200) process.exitCode = 1;
} finally {
  if (!options.keep) rmSync(runDir, { recursive: true, force: true });
}

async function loggingCase(name, count) {
  const dir = join(runDir, name);
  const child = spawn(
    execPath,
    [fileURLToPath(import.meta.url), '--case', name, '--dir', dir, '--records', String(count)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ACTIONLOG_INTEGRITY_KEY: name.includes('hmac') ? 'bench-key' : '' },
    },
  );
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`${name} failed (exit ${code})`);
  const result = JSON.parse(out);
  rmSync(dir, { recursive: true, force: true });
  return { name, ...result };
}

/** In the child: `count` audit records, timed; then the files are checked. */
async function runLoggingCase(name, dir, count) {
  const { createLogger } = await import(join(DIST, 'index.js'));
  const { verifyStream } = await import(join(DIST, 'files', 'verify-chain.js'));
  const log = createLogger({
    dir,
    console: false,
    retention: { background: false },
    file: { enabled: false },
    audit: { durability: 'sync', integrity: name !== 'plain-sync' },
  });
  const fields = {
    user_id: 'u-1234',
    service: 'AdminService',
    key: 'feature.flag.checkout',
    old: 'off',
    new: 'on',
  };
  // Warm-up, then the timed run.
  for (let i = 0; i < 5_000; i++) log.audit('config_change', { ...fields, i });
  const started = performance.now();
  for (let i = 0; i < count; i++) log.audit('config_change', { ...fields, i });
  const ms = performance.now() - started;
  await log.close();
  if (name !== 'plain-sync') {
    const key = process.env.ACTIONLOG_INTEGRITY_KEY
      ? Buffer.from(process.env.ACTIONLOG_INTEGRITY_KEY)
      : undefined;
    const report = await verifyStream(join(dir, 'audit'), { key });
    if (!report.ok || report.records !== count + 5_000)
      throw new Error(`chain check failed: ${JSON.stringify(report)}`);
  }
  process.stdout.write(JSON.stringify({ perSecond: count / (ms / 1000) }));
}

/** Writes ~`mb` MB of chained audit logs with the logger, then times verify over them. */
async function verifyCase(mb) {
  const { createLogger } = await import(join(DIST, 'index.js'));
  const { verifyStream } = await import(join(DIST, 'files', 'verify-chain.js'));
  const { compressSegment } = await import(join(DIST, 'files', 'compress-segment.js'));
  const dir = join(runDir, 'verify');
  const log = createLogger({
    dir,
    console: false,
    retention: { background: false },
    file: { enabled: false, maxFileSize: '64MB' },
    // buffered only to write the data set quickly; the chain is the same.
    audit: { durability: 'buffered', integrity: true },
  });
  stderr.write(`writing ${mb} MB of chained audit records…\n`);
  const target = mb * 1024 * 1024;
  let i = 0;
  let written = 0;
  while (written < target) {
    for (let n = 0; n < 10_000; n++, i++) {
      log.audit('tool_call', {
        user_id: `u-${i % 5000}`,
        session_id: `s-${(i / 40) | 0}`,
        service: 'AgentService',
        tool: 'search_orders',
        status: i % 17 === 0 ? 'failed' : 'success',
        duration_ms: i % 900,
        args: { query: `order ${i}`, limit: 20 },
      });
    }
    await log.flush();
    written = streamBytes(join(dir, 'audit'));
  }
  await log.close();
  const audit = join(dir, 'audit');
  const bytes = streamBytes(audit);
  const rows = [];
  const timed = async (name, parallel) => {
    const row = { name, mb: bytes / 1024 ** 2, ms: [] };
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      const report = await verifyStream(audit, { parallel });
      row.ms.push(performance.now() - started);
      if (!report.ok) throw new Error(`verify found a break: ${JSON.stringify(report.break)}`);
      row.name = `${name} (${fmt(report.records)} records, ${report.segments} segments)`;
    }
    rows.push(row);
  };
  await timed(`.jsonl, ${cpus().length} threads`, true);
  await timed('.jsonl, 1 thread', false);
  if (options.gz) {
    stderr.write('compressing…\n');
    const { listSegments } = await import(join(DIST, 'index.js'));
    const started = performance.now();
    for (const segment of listSegments(audit)) await compressSegment(audit, segment.name);
    rows.push({
      name: 'compress (gzip -6, read back and compared)',
      mb: bytes / 1024 ** 2,
      ms: [performance.now() - started],
    });
    await timed(`.jsonl.gz, ${cpus().length} threads`, true);
  }
  return rows;
}

/** Bytes of the segments in a stream directory (what verify reads). */
function streamBytes(dir) {
  let names;
  try {
    names = readdirSync(dir).filter((name) => /\.jsonl(\.gz)?$/.test(name));
  } catch {
    return 0;
  }
  return names.reduce((total, name) => total + statSync(join(dir, name)).size, 0);
}

function spread(values) {
  const sorted = [...values].sort((a, b) => b - a);
  return { best: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function pct(x) {
  return `${Math.round(x * 100)}%`;
}
