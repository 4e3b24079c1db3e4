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
  {
    name: 'pino-sync',
    label: 'pino sync',
    load: async () => (await import('./pino.mjs')).pinoCase({ sync: true }),
  },
  { name: 'winston', label: 'winston', load: async () => (await import('./winston.mjs')).winstonCase },
  {
    name: 'actionlog-masked',
    label: 'actionlog buffered, 3 secrets masked',
    load: async () => (await import('./actionlog.mjs')).actionlogCase('buffered', { secrets: true }),
  },
  {
    name: 'pino-redact',
    label: 'pino redact (2 paths)',
    load: async () => (await import('./pino.mjs')).pinoCase({ sync: false, secrets: true }),
  },
  {
    name: 'pino-sync-redact',
    label: 'pino sync redact (2 paths)',
    load: async () => (await import('./pino.mjs')).pinoCase({ sync: true, secrets: true }),
  },
];

/**
 * Ratios are taken against the faster of these in the same run. pino's async destination is
 * its recommended fast mode, but in a loop that never yields it cannot write until the loop
 * ends, and its sync mode can come out ahead; comparing with the better one keeps the ratio
 * from flattering actionlog.
 */
export const BASELINES = ['pino', 'pino-sync'];
/** The masking cases compare with pino doing its (narrower) redaction, the faster mode of the two. */
export const MASKING_BASELINES = ['pino-redact', 'pino-sync-redact'];
export const MASKING_CASES = ['actionlog-masked', ...MASKING_BASELINES];

/** `actionlog buffered`, `actionlog-buffered` and `Actionlog-Buffered` all name the same case. */
export function findCase(name) {
  const key = name.trim().toLowerCase().replace(/\s+/g, '-');
  return CASES.find((c) => c.name === key);
}
