import { createLogger, MemorySink } from '../../src/index.js';

/** A logger that writes only to a MemorySink: no files, no console, no exit hooks. */
export function memoryLogger(extra: Record<string, unknown> = {}) {
  const sink = new MemorySink();
  const log = createLogger({
    dir: '/nonexistent-actionlog-test',
    console: false,
    file: { enabled: false },
    audit: { enabled: false },
    exitHooks: false,
    sinks: [sink],
    ...extra,
  });
  return { log, sink };
}
