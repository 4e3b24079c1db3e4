import { parentPort, workerData } from 'node:worker_threads';
import type { ScanSpec } from './plan.js';
import { Scanner } from './scanner.js';
import type { Unit } from './unit-reader.js';

/** Worker side of the scan pool: one Scanner, units in, results out; group tables at the end. */
export type ToWorker = { type: 'unit'; unit: Unit } | { type: 'finish' };
export type FromWorker =
  | { type: 'result'; result: import('./scanner.js').UnitResult }
  | { type: 'tables'; tables: ReturnType<Scanner['tables']> }
  | { type: 'failed'; message: string };

const port = parentPort!;
const scanner = new Scanner(workerData as ScanSpec);

port.on('message', (message: ToWorker) => {
  if (message.type === 'unit') {
    scanner.scanUnit(message.unit).then(
      (result) => port.postMessage({ type: 'result', result } satisfies FromWorker),
      (error: Error) => port.postMessage({ type: 'failed', message: error.message } satisfies FromWorker),
    );
  } else {
    port.postMessage({ type: 'tables', tables: scanner.tables() } satisfies FromWorker);
  }
});
