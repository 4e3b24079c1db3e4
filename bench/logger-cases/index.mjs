// The cases in the order they run and print. Each one loads its library lazily, so a child
// process holds only the logger it measures (peak RSS stays comparable).

export const CASES = [
  {
    name: 'actionlog-buffered',
    label: 'actionlog buffered',
    load: async () => (await import('./actionlog.mjs')).actionlogCase('buffered'),
  },
  {
    name: 'actionlog-sync',
    label: 'actionlog sync',
    load: async () => (await import('./actionlog.mjs')).actionlogCase('sync'),
  },
  { name: 'pino', label: 'pino', load: async () => (await import('./pino.mjs')).pinoCase({ sync: false }) },
  { name: 'pino-sync', label: 'pino sync', load: async () => (await import('./pino.mjs')).pinoCase({ sync: true }) },
  { name: 'winston', label: 'winston', load: async () => (await import('./winston.mjs')).winstonCase },
];

/** The case pino ratios are taken against. */
export const BASELINE = 'pino';

/** `actionlog buffered`, `actionlog-buffered` and `Actionlog-Buffered` all name the same case. */
export function findCase(name) {
  const key = name.trim().toLowerCase().replace(/\s+/g, '-');
  return CASES.find((c) => c.name === key);
}
