// One of several writer processes (started by multi-writer-bench.mjs, with an IPC channel):
//   node bench/multi-writer-child.mjs <case> <records> <target>
// Opens the logger on <target> (a directory for actionlog; pino and winston append to one file
// in it), says 'ready', waits for the parent's 'go', logs <records> records in a tight loop, closes
// the logger (everything written to the kernel), reports its own times and exits.
import { once } from 'node:events';
import { argv, hrtime, pid, resourceUsage } from 'node:process';
import { makeFields } from './lib/record.mjs';
import { findCase } from './logger-cases/index.mjs';

const [caseName, recordsArg, target] = argv.slice(2);
const records = Number(recordsArg);
const benchCase = await findCase(caseName).load();
const { errorKey } = benchCase;
const sink = await benchCase.open(target);

// The barrier: every writer has its logger open before any of them logs, so their writing overlaps.
const go = once(process, 'message');
process.send({ type: 'ready' });
await go;

// The single-writer record (lib/record.mjs), plus who logged it and its number, so the parent can
// find every record exactly once: `data.writer` and `data.i`, two small numbers more per line.
const start = hrtime.bigint();
for (let i = 0; i < records; i++) {
  const fields = makeFields(i, errorKey);
  fields.data.writer = pid;
  fields.data.i = i;
  sink.log(fields);
}
const loopEnd = hrtime.bigint();
const stop = await sink.close();

// hrtime is the system's monotonic clock, the same in every process: the parent compares these
// with its own 'go' to see how much the writers overlapped. Exit explicitly once the report is
// out: the logger has been closed and awaited, and a stray timer in a library must not hold the run.
process.send(
  {
    type: 'done',
    startNs: String(start),
    loopEndNs: String(loopEnd),
    stopNs: String(stop),
    peakRssBytes: resourceUsage().maxRSS * 1024,
  },
  () => process.exit(0),
);
