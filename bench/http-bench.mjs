// `node bench/http-bench.mjs [options]` (after `npm run build`): the per-request cost of actionlog's
// Fastify request log. A hello-world Fastify app runs in a child process, plain, with the plugin
// writing one record per request to a file, and, for reference, with Fastify's own pino request
// logging to a file; autocannon (in this process) drives each in turn, rotating the order every
// round so that drift in the machine hits all alike. See --help.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { argv, exit, stderr, version } from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = fileURLToPath(import.meta.url);
const OUT_ROOT = join(dirname(HERE), '..', '.bench-out');
const VARIANTS = {
  plain: 'plain',
  actionlog: '+ fastifyRequestLog (1 record/request)',
  pino: "reference: Fastify's pino logger (2 lines/request)",
};

const HELP = `Usage: node bench/http-bench.mjs [options]      (build first: npm run build)

Throughput and server CPU per request of a hello-world Fastify app: plain, with fastifyRequestLog
(one http record per request, written to a file), and for reference with Fastify's built-in pino
request logging (written to a file). Load from autocannon on 127.0.0.1.

Options:
  --duration S      seconds measured per run (default 10)
  --warmup S        seconds of load before each measured run (default 3)
  --rounds N        runs per variant, order rotated each round (default 3)
  --connections N   autocannon connections (default 50)
  --quick           --duration 4 --warmup 1 --rounds 2
  --no-reference    skip the pino reference variant
  --keep            keep the log files under .bench-out/
  -h, --help        this text
`;

if (argv[2] === '--serve') await serve(argv[3], argv[4]);
else await main();

async function main() {
  const options = parseOptions();
  const { default: autocannon } = await import('autocannon');
  const runDir = join(OUT_ROOT, `http-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  const variants = Object.keys(VARIANTS).filter((v) => options.reference || v !== 'pino');
  console.log(
    `HTTP request-log benchmark, ${new Date().toISOString()}\n\n` +
      `- Node ${version}; ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}); load average ${loadavg()
        .map((n) => n.toFixed(2))
        .join(', ')} (anything else running skews the numbers)\n` +
      `- autocannon: ${options.connections} connections, ${options.warmup}s warm-up + ${options.duration}s measured per run, ` +
      `${options.rounds} runs per variant\n` +
      '- server and load generator share this machine: throughput depends on both; server CPU per request on the server only\n',
  );
  const results = Object.fromEntries(variants.map((v) => [v, []]));
  try {
    for (let round = 0; round < options.rounds; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const variant of order) {
        const result = await runOnce(autocannon, variant, join(runDir, `${variant}-${round}`), options);
        results[variant].push(result);
        console.log(
          `  run ${round + 1} ${variant.padEnd(9)} ${Math.round(result.rps).toLocaleString('en-US').padStart(7)} req/s` +
            `  p50 ${result.p50} ms  p99 ${result.p99} ms  server CPU ${result.cpuPerRequest.toFixed(1)} µs/request` +
            (variant === 'actionlog' ? `  (${result.records.toLocaleString('en-US')} records written)` : ''),
        );
      }
    }
  } finally {
    if (!options.keep) rmSync(runDir, { recursive: true, force: true });
  }
  const rows = Object.fromEntries(variants.map((v) => [v, summarize(results[v])]));
  const plain = rows.plain;
  console.log(
    '\n| Fastify hello world | req/s (mean) | vs plain | p50 ms | p99 ms | server CPU µs/request (best run) | vs plain |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const variant of variants) {
    const row = rows[variant];
    const rps = variant === 'plain' ? '' : percent(row.rps / plain.rps - 1);
    const cpu =
      variant === 'plain' ? '' : `+${(row.cpu - plain.cpu).toFixed(1)} (${percent(row.cpu / plain.cpu - 1)})`;
    console.log(
      `| ${VARIANTS[variant]} | ${Math.round(row.rps).toLocaleString('en-US')} | ${rps} | ${row.p50} | ${row.p99} | ${row.cpu.toFixed(1)} | ${cpu} |`,
    );
  }
  console.log(
    `\nThroughput loss with fastifyRequestLog: ${((1 - rows.actionlog.rps / plain.rps) * 100).toFixed(1)}% (target <= 5%).`,
  );
  const problems = results.actionlog.filter((r) => r.records < r.responses);
  if (problems.length > 0) {
    console.log('\n**Some responses have no record: the request log lost records.**');
    exit(1);
  }
}

function percent(fraction) {
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;
}

async function runOnce(autocannon, variant, dir, options) {
  const child = fork(HERE, ['--serve', variant, dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ port }] = await once(child, 'message');
  const url = `http://127.0.0.1:${port}/`;
  const load = (seconds) => autocannon({ url, connections: options.connections, duration: seconds });
  const warm = await load(options.warmup);
  child.send('start');
  const measured = await load(options.duration);
  child.send('stop');
  const [{ cpuMicros }] = await once(child, 'message');
  child.kill('SIGTERM');
  await once(child, 'exit');
  return {
    rps: measured.requests.mean,
    cpuPerRequest: cpuMicros / measured['2xx'],
    p50: measured.latency.p50,
    p99: measured.latency.p99,
    responses: warm['2xx'] + measured['2xx'],
    records: variant === 'actionlog' ? countRecords(dir) : 0,
  };
}

function countRecords(dir) {
  let records = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line.includes('"action":"http_request"')) records++;
    }
  }
  return records;
}

function summarize(runs) {
  const mean = (pick) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  return {
    rps: mean((r) => r.rps),
    p50: mean((r) => r.p50).toFixed(1),
    p99: mean((r) => r.p99).toFixed(1),
    // The least disturbed run: other processes only ever add CPU time (cache misses, preemption).
    cpu: Math.min(...runs.map((r) => r.cpuPerRequest)),
  };
}

/** The server side: a hello-world Fastify app, with or without a request log. */
async function serve(variant, dir) {
  const { default: Fastify } = await import('fastify');
  let app;
  if (variant === 'pino') {
    const { default: pino } = await import('pino');
    mkdirSync(dir, { recursive: true });
    app = Fastify({ logger: { stream: pino.destination({ dest: join(dir, 'pino.log'), sync: false }) } });
  } else {
    app = Fastify();
  }
  if (variant === 'actionlog') {
    const { createLogger } = await import('actionlog');
    const { fastifyRequestLog } = await import('actionlog/http');
    const log = createLogger({ dir, console: false, app: 'http-bench' });
    await app.register(fastifyRequestLog, { logger: log });
  }
  app.get('/', async () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  // Server CPU time over the measured run: unlike throughput, it does not depend on how much of
  // the machine the load generator takes.
  let mark;
  process.on('message', (message) => {
    if (message === 'start') mark = process.cpuUsage();
    if (message === 'stop') {
      const used = process.cpuUsage(mark);
      process.send({ cpuMicros: used.user + used.system });
    }
  });
  // SIGTERM: the actionlog variant's exit hooks flush the file and end the process; the others just end.
  process.send({ port: app.server.address().port });
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.slice(2),
      options: {
        duration: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '3' },
        rounds: { type: 'string', default: '3' },
        connections: { type: 'string', default: '50' },
        quick: { type: 'boolean', default: false },
        'no-reference': { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    stderr.write(`${error.message}\n\n${HELP}`);
    exit(2);
  }
  if (values.help) {
    console.log(HELP);
    exit(0);
  }
  const number = (name) => {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || n < 1) {
      stderr.write(`http-bench: --${name} wants a positive whole number, got "${values[name]}"\n`);
      exit(2);
    }
    return n;
  };
  const common = {
    connections: number('connections'),
    reference: !values['no-reference'],
    keep: values.keep,
  };
  if (values.quick) return { duration: 4, warmup: 1, rounds: 2, ...common };
  return { duration: number('duration'), warmup: number('warmup'), rounds: number('rounds'), ...common };
}
