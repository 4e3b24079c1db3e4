import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/index.js';

interface CorpusEntry {
  rule: string;
  text: string;
  secrets: string[];
  key?: string;
}

const corpus: CorpusEntry[] = JSON.parse(
  readFileSync(new URL('../corpus/secrets.json', import.meta.url), 'utf8'),
);
const dir = mkdtempSync(join(tmpdir(), 'actionlog-corpus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every line of every .jsonl file under `root`, audit and other streams included. */
function writtenText(root: string): string {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) => readFileSync(join(root, name), 'utf8'))
    .join('');
}

/** Each corpus text everywhere a string can sit in a record. */
function logText(log: ReturnType<typeof createLogger>, text: string): number {
  log.info(`event: ${text}`);
  log.info('in data', { data: { note: text } });
  log.info('nested', { data: { a: { b: [{ c: [text] }] } } });
  log.info('in a map', { data: { lookup: new Map([['entry', text]]), tags: new Set([text]) } });
  log.info('top-level field', { service: 'CheckoutService', note: text });
  log.error(new Error(text), 'request failed');
  log.error(new Error('outer failure', { cause: new Error(text) }));
  log.child({ session_id: 'sess-1', note: text }).info('from a child');
  log.withContext({ request_id: 'req-1', note: text }, () => log.info('in a context'));
  log.warn(text, { data: { list: [text, { deeper: text }] } });
  return 10;
}

/** Each sensitive key, with its value, everywhere a field can sit in a record. */
function logKey(log: ReturnType<typeof createLogger>, key: string, value: string): number {
  log.info('key in data', { data: { [key]: value } });
  log.info('key nested', { data: { config: { upstream: [{ [key]: value }] } } });
  log.info('key in a map', { data: { settings: new Map([[key, value]]) } });
  log.info('key at top level', { [key]: value });
  log.error(Object.assign(new Error('with own field'), { [key]: value }));
  log.error(new Error('outer', { cause: Object.assign(new Error('inner'), { details: { [key]: value } }) }));
  log.child({ user_id: 'u-1', [key]: value }).info('key in a child');
  log.withContext({ [key]: value }, () => log.info('key in a context'));
  return 8;
}

describe('no secret of the corpus reaches the written file', async () => {
  const log = createLogger({ dir, console: false, redact: { ipAddresses: true, keys: ['customer_ref'] } });
  let records = 0;
  for (const entry of corpus) {
    records += entry.key === undefined ? logText(log, entry.text) : logKey(log, entry.key, entry.text);
  }
  await log.close();
  const written = writtenText(dir);

  it('wrote every record', () => {
    expect(written.split('\n').filter((line) => line.startsWith('{')).length).toBeGreaterThanOrEqual(records);
  });

  it.each(corpus.map((entry) => [entry.rule, entry.key ?? entry.text.slice(0, 60), entry] as const))(
    '%s: %j',
    (_rule, _label, entry) => {
      for (const secret of entry.secrets) expect(written.includes(secret), secret).toBe(false);
    },
  );
});
