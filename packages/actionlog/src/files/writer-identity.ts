import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';

/**
 * Who writes a segment. A pid alone is not enough: worker threads share their process's pid
 * (and each has its own copy of this library), and a pid is reused once its process is gone.
 * So a writer is pid + thread id + the process's start time (in clock ticks since boot, from
 * `/proc/{pid}/stat`; absent where there is no /proc) + host (a directory on a shared mount is
 * seen by processes of other machines, whose pids say nothing here).
 */
export interface WriterIdentity {
  pid: number;
  thread: number;
  start?: string;
  host: string;
}

let self: WriterIdentity | undefined;

export function selfIdentity(): WriterIdentity {
  if (self === undefined) {
    self = { pid: process.pid, thread: threadId, host: hostname() };
    const start = processStartTime(process.pid);
    if (start !== undefined) self.start = start;
  }
  return self;
}

export function isSelf(owner: WriterIdentity): boolean {
  const me = selfIdentity();
  return (
    owner.pid === me.pid &&
    owner.thread === me.thread &&
    owner.host === me.host &&
    (owner.start === undefined || me.start === undefined || owner.start === me.start)
  );
}

/**
 * Whether the writer may still be running. Answers yes when it cannot tell: another host's
 * process, or another thread of this process (a thread that ended without letting go of its
 * claims keeps them until the process ends; the segment is skipped, never shared).
 */
export function isAlive(owner: WriterIdentity): boolean {
  const me = selfIdentity();
  if (owner.host !== me.host) return true;
  if (owner.pid === me.pid) {
    // Our pid, another start time: an earlier process that had the same pid.
    return owner.start === undefined || me.start === undefined || owner.start === me.start;
  }
  if (!pidExists(owner.pid)) return false;
  if (owner.start === undefined) return true;
  const start = processStartTime(owner.pid);
  // The pid was given to a new process since the claim was made.
  return start === undefined || start === owner.start;
}

export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of `/proc/{pid}/stat`: when the process started, in clock ticks since boot. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/** The identity in a claim file, or undefined when the text is not one. */
export function parseIdentity(text: string): WriterIdentity | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, thread, start, host } = value as Record<string, unknown>;
  if (!Number.isInteger(pid) || (pid as number) <= 0) return undefined;
  if (!Number.isInteger(thread) || (thread as number) < 0) return undefined;
  if (typeof host !== 'string') return undefined;
  if (start !== undefined && typeof start !== 'string') return undefined;
  const identity: WriterIdentity = { pid: pid as number, thread: thread as number, host };
  if (start !== undefined) identity.start = start;
  return identity;
}
