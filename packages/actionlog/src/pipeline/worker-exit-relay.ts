import {
  BroadcastChannel,
  isMainThread,
  type MessagePort,
  receiveMessageOnPort,
  threadId,
  type Worker,
} from 'node:worker_threads';

/**
 * When the main thread ends the process (`process.exit()`, the event loop running dry, a signal,
 * a crash), Node stops worker threads without running any of their code: a worker logger's
 * buffered records would be lost. So the main thread's exit hook asks them to flush first.
 *
 * Worker threads that have loggers say so on a BroadcastChannel (`up`/`down`, by thread id). At
 * exit the main thread posts `flush` with a SharedArrayBuffer and waits on it (Atomics.wait,
 * bounded by WORKER_FLUSH_DEADLINE_MS) until every worker that is still running has counted
 * itself done. A worker busy in a loop that never yields cannot answer: the wait ends at the
 * deadline and that worker's unflushed batch is lost (its `sync` records are already in the
 * kernel). Workers that have ended are not waited for (`process.on('worker')` tells which).
 */
export const WORKER_FLUSH_DEADLINE_MS = 2000;

const CHANNEL = 'actionlog:exit-relay';

type RelayMessage =
  | { type: 'up'; thread: number }
  | { type: 'down'; thread: number }
  | { type: 'who' }
  | { type: 'flush'; done: SharedArrayBuffer };

let channel: BroadcastChannel | undefined;

// Main thread: worker loggers that said they are up, and the workers this thread started.
const upThreads = new Set<number>();
const startedWorkers = new Map<number, Worker>();
const endedThreads = new Set<number>();

// Worker thread: what to run when the main thread asks.
let flushHere: (() => void) | undefined;

/**
 * Joins the relay: on the main thread to flush the workers at exit, in a worker to be flushed.
 * `flush` is this thread's own synchronous flush of every logger. The channel, once open, stays
 * open (unref'd) for the thread's life: loggers come and go far more often than threads, and
 * opening a channel per logger would make each one cost more.
 */
export function joinRelay(flush: () => void): void {
  if (channel === undefined) {
    channel = new BroadcastChannel(CHANNEL);
    // Never what keeps a thread alive.
    channel.unref();
    if (isMainThread) {
      channel.onmessage = (event) => onMainMessage((event as { data: RelayMessage }).data);
      process.on('worker', trackWorker);
      // Workers whose loggers started before this thread's: ask them to say so again.
      post({ type: 'who' });
    } else {
      channel.onmessage = (event) => onWorkerMessage((event as { data: RelayMessage }).data);
    }
  }
  if (!isMainThread && flushHere === undefined) {
    flushHere = flush;
    post({ type: 'up', thread: threadId });
  }
}

/** This thread has no logger left: a worker says so, so the main thread does not wait for it. */
export function leaveRelay(): void {
  if (channel === undefined || isMainThread || flushHere === undefined) return;
  flushHere = undefined;
  post({ type: 'down', thread: threadId });
}

/**
 * Main thread, at exit: asks every worker logger to flush and waits, bounded, for the ones that
 * are still running. Calls `flushOwn` while they work.
 */
export function flushWorkersAround(flushOwn: () => void): void {
  if (channel === undefined || !isMainThread) {
    flushOwn();
    return;
  }
  // Ups and downs posted since the event loop last ran. (Node takes a BroadcastChannel here
  // too, since 15.4; its types say MessagePort only.)
  const port = channel as unknown as MessagePort;
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    onMainMessage(m.message as RelayMessage);
  }
  const waitFor = [...upThreads].filter((thread) => !hasEnded(thread)).length;
  const done = new SharedArrayBuffer(4);
  if (waitFor > 0) post({ type: 'flush', done });
  flushOwn();
  if (waitFor === 0) return;
  const counter = new Int32Array(done);
  const deadline = Date.now() + WORKER_FLUSH_DEADLINE_MS;
  for (let seen = Atomics.load(counter, 0); seen < waitFor; seen = Atomics.load(counter, 0)) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    Atomics.wait(counter, 0, seen, left);
  }
}

function onMainMessage(message: RelayMessage): void {
  if (message.type === 'up') upThreads.add(message.thread);
  else if (message.type === 'down') upThreads.delete(message.thread);
}

function onWorkerMessage(message: RelayMessage): void {
  // A flush is always answered: the main thread may have counted this thread before it left.
  if (message.type === 'who' && flushHere !== undefined) post({ type: 'up', thread: threadId });
  else if (message.type === 'flush') {
    try {
      flushHere?.();
    } finally {
      const counter = new Int32Array(message.done);
      Atomics.add(counter, 0, 1);
      Atomics.notify(counter, 0);
    }
  }
}

function trackWorker(worker: Worker): void {
  const id = worker.threadId;
  startedWorkers.set(id, worker);
  worker.once('exit', () => {
    startedWorkers.delete(id);
    upThreads.delete(id);
    // Remembered only against an `up` still queued from before it ended: the last few suffice.
    endedThreads.add(id);
    if (endedThreads.size > 1024) endedThreads.delete(endedThreads.values().next().value as number);
  });
}

/** A worker started by this thread that is no longer running (its id reads -1 once it stops). */
function hasEnded(thread: number): boolean {
  if (endedThreads.has(thread)) return true;
  const worker = startedWorkers.get(thread);
  return worker !== undefined && worker.threadId === -1;
}

function post(message: RelayMessage): void {
  try {
    channel?.postMessage(message);
  } catch {
    // A closed channel at exit: nothing to tell.
  }
}
