import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GroupTable } from '../aggregates.js';
import type { ScanSpec } from './plan.js';
import type { FromWorker, ToWorker } from './scan-worker.js';
import { Scanner, type UnitResult } from './scanner.js';
import type { Unit } from './unit-reader.js';

/** Where the worker script is: next to this module once built (not when running from sources). */
export function defaultWorkerScript(): URL | undefined {
  const url = new URL('./scan-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * Scans units and hands back results as they finish (in any order). `next()` gives the next unit
 * to scan, or undefined when there is nothing (more) to do.
 */
export interface UnitRunner {
  run(next: () => Unit | undefined, onResult: (result: UnitResult) => void): Promise<void>;
  /** Stats group tables of every scanner, once all units are done. */
  tables(): Promise<Array<Array<GroupTable | undefined>>>;
  close(): Promise<void>;
}

export class InlineRunner implements UnitRunner {
  private readonly scanner: Scanner;

  constructor(spec: ScanSpec) {
    this.scanner = new Scanner(spec);
  }

  async run(next: () => Unit | undefined, onResult: (result: UnitResult) => void): Promise<void> {
    for (let unit = next(); unit !== undefined; unit = next()) {
      onResult(await this.scanner.scanUnit(unit));
      // Let the consumer see the result (and perhaps stop: a limit is met) before the next unit.
      await settle();
    }
  }

  async tables() {
    return [this.scanner.tables()];
  }

  async close(): Promise<void> {}
}

export class WorkerRunner implements UnitRunner {
  private readonly workers: Worker[];

  constructor(spec: ScanSpec, count: number, script: URL) {
    this.workers = Array.from({ length: count }, () => new Worker(script, { workerData: spec }));
  }

  run(next: () => Unit | undefined, onResult: (result: UnitResult) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let busy = 0;
      // Set once the run has resolved or failed. Two workers can both find nothing left to do
      // (each after its own settle()): only the first may end the run, and the listeners removed
      // are this run's own, never those tables() adds as soon as the run has ended.
      let ended = false;
      const listeners = this.workers.map((worker) => {
        const onMessage = (message: FromWorker) => {
          if (ended) return;
          if (message.type === 'failed') return fail(new Error(message.message));
          if (message.type !== 'result') return;
          busy--;
          onResult(message.result);
          settle().then(() => feed(worker));
        };
        return { worker, onMessage };
      });
      const detach = () => {
        for (const { worker, onMessage } of listeners) {
          worker.off('message', onMessage).off('error', fail).off('exit', exited);
        }
      };
      const end = (error?: Error) => {
        if (ended) return;
        ended = true;
        detach();
        if (error) reject(error);
        else resolve();
      };
      const fail = (error: Error) => end(error);
      // A worker that stops without an error event (killed, or out of memory in some Node
      // versions) would leave its unit unanswered: the query fails instead of waiting forever.
      const exited = (code: number) => fail(new Error(`a scan worker stopped (exit code ${code})`));
      const feed = (worker: Worker) => {
        if (ended) return;
        const unit = next();
        if (unit === undefined) {
          if (busy === 0) end();
          return;
        }
        busy++;
        worker.postMessage({ type: 'unit', unit } satisfies ToWorker);
      };
      for (const { worker, onMessage } of listeners) {
        worker.on('message', onMessage);
        worker.on('error', fail);
        worker.on('exit', exited);
      }
      for (const worker of this.workers) feed(worker);
    });
  }

  tables(): Promise<Array<Array<GroupTable | undefined>>> {
    return Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<Array<GroupTable | undefined>>((resolve, reject) => {
            const onExit = (code: number) => reject(new Error(`a scan worker stopped (exit code ${code})`));
            const onMessage = (message: FromWorker) => {
              if (message.type !== 'tables') return;
              worker.off('message', onMessage);
              worker.off('error', reject);
              worker.off('exit', onExit);
              resolve(message.tables);
            };
            worker.on('message', onMessage);
            worker.on('error', reject);
            worker.on('exit', onExit);
            worker.postMessage({ type: 'finish' } satisfies ToWorker);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** After every pending promise callback has run (the consumer reacting to a result). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
