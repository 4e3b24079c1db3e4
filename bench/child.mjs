// One case in one fresh process:
//   node bench/child.mjs <case> <records> <latencyCalls> <yieldEvery> <outDir>
// Prints one JSON line with the measurements on stdout; run.mjs verifies the files afterwards
// (not here, so that reading them back does not count toward this process's peak RSS).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { argv, hrtime, resourceUsage, stdout } from 'node:process';
import { makeFields, makeSecretFields } from './lib/record.mjs';
import { findCase } from './logger-cases/index.mjs';

const [caseName, recordsArg, latencyArg, yieldArg, outDir] = argv.slice(2);
const records = Number(recordsArg);
const latencyCalls = Number(latencyArg);
// 0: a tight loop. N: hand the event loop a turn every N records, as a server between requests.
const yieldEvery = Number(yieldArg);
const pause = () => new Promise((resolve) => setImmediate(resolve));
const benchCase = await findCase(caseName).load();
const { errorKey } = benchCase;
// The masking cases log the same record with secrets in it (lib/record.mjs).
const fieldsFor = benchCase.secrets ? makeSecretFields : makeFields;

// Throughput: N records in a tight loop, as a busy request handler would, from the first call
// until the last byte has been handed to the kernel. Building each call's object literal is
// part of the loop for every library alike.
const throughputDir = join(outDir, 'throughput');
mkdirSync(throughputDir, { recursive: true });
const sink = await benchCase.open(throughputDir);
const start = hrtime.bigint();
for (let i = 0; i < records; i++) {
  sink.log(fieldsFor(i, errorKey));
  if (yieldEvery > 0 && i % yieldEvery === yieldEvery - 1) await pause();
}
const loopEnd = hrtime.bigint();
const stop = await sink.close();

// Latency: a second logger in a second directory, now with warm code, timing each call alone
// (the fields are built before the clock starts). Nothing is subtracted; the cost of reading
// the clock is reported beside the numbers instead.
const latencyDir = join(outDir, 'latency');
mkdirSync(latencyDir, { recursive: true });
const timed = await benchCase.open(latencyDir);
const samples = new Float64Array(latencyCalls);
for (let i = 0; i < latencyCalls; i++) {
  const fields = fieldsFor(i, errorKey);
  const t0 = hrtime.bigint();
  timed.log(fields);
  samples[i] = Number(hrtime.bigint() - t0);
  if (yieldEvery > 0 && i % yieldEvery === yieldEvery - 1) await pause();
}
await timed.close();
samples.sort();

const result = {
  records,
  yieldEvery,
  latencyCalls,
  wallNs: Number(stop - start),
  loopNs: Number(loopEnd - start),
  p50Ns: quantile(samples, 0.5),
  p99Ns: quantile(samples, 0.99),
  p999Ns: quantile(samples, 0.999),
  maxNs: samples[samples.length - 1] ?? 0,
  clockNs: clockCost(),
  // maxRSS is in kilobytes: the high-water mark of the whole process, both passes.
  peakRssBytes: resourceUsage().maxRSS * 1024,
};
// Exit explicitly once the line is out: every logger has been closed and awaited, and a stray
// timer in a library must not hold the run.
stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));

function quantile(sorted, q) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Median cost of one pair of clock reads, the floor under every latency sample. */
function clockCost() {
  const pairs = new Float64Array(100_000);
  for (let i = 0; i < pairs.length; i++) {
    const t0 = hrtime.bigint();
    pairs[i] = Number(hrtime.bigint() - t0);
  }
  pairs.sort();
  return quantile(pairs, 0.5);
}
