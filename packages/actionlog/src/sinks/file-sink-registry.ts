import { resolve } from 'node:path';
import { FileSink, type FileSinkOptions } from './file-sink.js';

interface Entry {
  sink: FileSink;
  users: number;
}

/**
 * Segment files are written at offsets this process hands out, so two sinks must never write
 * the same directory. Loggers in one process that name the same stream directory share one
 * sink; the first one's options win, except durability: the strongest asked for applies to all.
 */
const byDir = new Map<string, Entry>();

export function acquireFileSink(options: FileSinkOptions): FileSink {
  const key = resolve(options.dir);
  const entry = byDir.get(key);
  if (entry) {
    entry.users++;
    entry.sink.strengthen(options.durability);
    return entry.sink;
  }
  const sink = new FileSink({ ...options, dir: key });
  byDir.set(key, { sink, users: 1 });
  return sink;
}

/** Closes the sink when its last user releases it. */
export async function releaseFileSink(sink: FileSink): Promise<void> {
  const entry = byDir.get(sink.dir);
  if (!entry || entry.sink !== sink) return sink.close();
  entry.users--;
  if (entry.users > 0) return sink.flush();
  byDir.delete(sink.dir);
  return sink.close();
}
