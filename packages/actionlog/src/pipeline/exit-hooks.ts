import { isMainThread } from 'node:worker_threads';
import { flushWorkersAround, joinRelay, leaveRelay } from './worker-exit-relay.js';

/** What the exit hooks need from a live logger. */
export interface ExitParticipant {
  /** Write everything synchronously; what cannot be written goes to stderr. */
  flushOnExit(): void;
  /** Record a crash as CRITICAL before the process dies. */
  recordCrash(error: unknown, origin: string): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type ExitSignal = (typeof SIGNALS)[number];

const participants = new Set<ExitParticipant>();
let installed = false;

function flushAll(): void {
  for (const participant of participants) {
    try {
      participant.flushOnExit();
    } catch {
      // One broken participant must not keep the others from flushing.
    }
  }
}

/** This thread's loggers, and on the main thread those of worker threads too (worker-exit-relay.ts). */
function flushEverything(): void {
  flushWorkersAround(flushAll);
}

function onExit(): void {
  flushEverything();
  // A worker thread ending on its own: the main thread need not wait for it any more.
  if (!isMainThread) leaveRelay();
}

/**
 * `uncaughtExceptionMonitor` runs before Node's own handling and does not change it: the crash
 * is recorded and flushed, then Node prints it and exits non-zero as it always does. Unhandled
 * rejections arrive here too (Node's default mode raises them as uncaught exceptions).
 */
function onCrash(error: unknown, origin: string): void {
  for (const participant of participants) {
    try {
      participant.recordCrash(error, origin);
    } catch {
      // Keep going: flushing matters more than the crash record.
    }
  }
  flushEverything();
}

const signalHandlers = new Map<ExitSignal, () => void>(
  SIGNALS.map((signal) => [
    signal,
    () => {
      flushEverything();
      // The application handles this signal itself: our listener must not change what it does.
      if (process.listenerCount(signal) > 1) return;
      // Nobody else listens: restore Node's default (terminate by this signal, exit code 128+n) and re-raise.
      uninstall();
      process.kill(process.pid, signal);
    },
  ]),
);

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', onCrash);
  // First in line: Node removes a `process.once` listener before calling it, so a listener that
  // runs after one would count one listener too few and re-raise a signal the app handles.
  for (const [signal, handler] of signalHandlers) process.prependListener(signal, handler);
  joinRelay(flushAll);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener('exit', onExit);
  process.removeListener('uncaughtExceptionMonitor', onCrash);
  for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  leaveRelay();
}

/** Listeners are installed once for all loggers, and removed with the last one. */
export function registerForExit(participant: ExitParticipant): void {
  participants.add(participant);
  install();
}

export function unregisterForExit(participant: ExitParticipant): void {
  participants.delete(participant);
  if (participants.size === 0) uninstall();
}

/** Number of loggers the exit hooks currently flush (for tests and health checks). */
export function exitParticipantCount(): number {
  return participants.size;
}
