import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRecords, tempDir } from './helpers.js';

// The examples import the built package (`actionlog`, `actionlog/http`, …), as a user's app would.
const EXAMPLES = resolve(import.meta.dirname, '../../../../examples');
const BUILT = resolve(import.meta.dirname, '../../dist/index.js');

interface Run {
  child: ChildProcess;
  dir: string;
  output: () => string;
}

function start(example: string): Run {
  const dir = tempDir('actionlog-example-');
  let output = '';
  const child = spawn(process.execPath, [join(EXAMPLES, example)], {
    cwd: dir,
    env: { ...process.env, PORT: '0', ACTIONLOG_DIR: join(dir, 'logs'), ACTIONLOG_CONSOLE: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return { child, dir: join(dir, 'logs'), output: () => output };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

async function baseUrl(run: Run): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const match = /listening on (http:\/\/localhost:\d+)/.exec(run.output());
    if (match) return match[1].replace('localhost', '127.0.0.1');
    if (run.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the example did not start:\n${run.output()}`);
}

describe('examples (run against the built package)', () => {
  beforeAll(() => {
    if (!existsSync(BUILT))
      throw new Error('the examples import the built package: run `npm run build` first');
  });

  it('express-app: request records with route patterns, app records with the request id, tracked service calls', async () => {
    const run = start('express-app.mjs');
    const base = await baseUrl(run);
    expect((await fetch(`${base}/orders/42`, { headers: { 'x-request-id': 'view-42' } })).status).toBe(200);
    expect((await fetch(`${base}/orders/0`)).status).toBe(404);
    const created = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'tea', card_number: '4111 1111 1111 1111' }),
    });
    expect(created.status).toBe(201);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    run.child.kill('SIGTERM'); // the logger's exit hooks flush, then the signal ends the process
    expect((await exited(run.child)).signal).toBe('SIGTERM');

    const records = readRecords(run.dir);
    const requests = records.filter((r) => r.action === 'http_request');
    expect(requests.map((r) => [r.level, r.data.method, r.data.route, r.data.status_code])).toEqual([
      ['INFO', 'GET', '/orders/:id', 200],
      ['WARNING', 'GET', '/orders/:id', 404],
      ['INFO', 'POST', '/orders', 201],
    ]);
    expect(requests[1].error).toMatchObject({ message: 'no order 0' });
    const viewed = records.find((r) => r.message === 'order viewed');
    expect(viewed).toMatchObject({ request_id: 'view-42', app: 'shop', logger: 'shop.http' });
    const calls = records.filter((r) => r.service === 'OrderService');
    expect(calls.map((r) => [r.action, r.status, r.request_id === undefined])).toEqual([
      ['getOrder', 'success', false],
      ['getOrder', 'failed', false],
      ['createOrder', 'success', false],
    ]);
    expect(calls[0].request_id).toBe('view-42');
    expect(requests[2].data.body.sku).toBe('tea'); // the example logs bodies, masked
    expect(JSON.stringify(records)).not.toContain('4111 1111 1111 1111');
    const audit = readRecords(join(run.dir, 'audit'));
    expect(audit.map((r) => r.action)).toEqual(['order_created']);
    expect(audit[0].request_id).toBe(requests[2].request_id);
  });

  it('fastify-app: request records by status, the thrown error, app records with the request id', async () => {
    const run = start('fastify-app.mjs');
    const base = await baseUrl(run);
    await fetch(`${base}/users/7`);
    await fetch(`${base}/users/0`);
    await fetch(`${base}/crash`);
    await fetch(`${base}/health`);
    run.child.kill('SIGTERM');
    await exited(run.child);

    const records = readRecords(run.dir);
    const requests = records.filter((r) => r.action === 'http_request');
    expect(requests.map((r) => [r.level, r.status, r.data.route, r.data.status_code])).toEqual([
      ['INFO', 'success', '/users/:id', 200],
      ['WARNING', 'client_error', '/users/:id', 404],
      ['ERROR', 'failed', '/crash', 500],
    ]);
    expect(requests[2].error).toMatchObject({ type: 'Error', message: 'database unavailable' });
    const unknown = records.find((r) => r.message === 'unknown user');
    expect(unknown?.request_id).toBe(requests[1].request_id);
  });

  it('agent-loop: one session of agent actions tied by session and execution ids', async () => {
    const run = start('agent-loop.mjs');
    const { code } = await exited(run.child);
    expect(code, run.output()).toBe(0);
    expect(run.output()).toContain('Rain in Oslo');

    const records = readRecords(run.dir);
    expect(records.length).toBeGreaterThan(20);
    expect(new Set(records.map((r) => r.category))).toEqual(new Set(['agent']));
    expect(new Set(records.map((r) => r.session_id))).toEqual(new Set(['session-demo']));
    expect(new Set(records.map((r) => r.execution_id)).size).toBe(1);
    const actions = records.map((r) => r.action);
    expect(actions[0]).toBe('session_start');
    expect(actions.at(-1)).toBe('session_end');
    for (const type of [
      'user_input',
      'llm_request',
      'llm_response',
      'tool_permission',
      'tool_call',
      'tool_result',
      'tool_error',
    ]) {
      expect(actions).toContain(type);
    }
    const tokens = records
      .filter((r) => r.action === 'llm_response')
      .reduce((sum, r) => sum + r.data.input_tokens + r.data.output_tokens, 0);
    expect(tokens).toBeGreaterThan(0);
    const denied = records.find((r) => r.action === 'tool_error');
    expect(denied).toMatchObject({
      level: 'ERROR',
      data: { tool_name: 'run_shell' },
      error: { message: 'permission denied' },
    });
    const read = records.find((r) => r.action === 'tool_result' && r.data.tool_name === 'read_file');
    expect(read?.data.output).toMatch(/… \[truncated, \d+ chars\]$/);
  });

  it('pino-app: the same pino calls land as actionlog records, flushed when the process exits', async () => {
    const run = start('pino-app.mjs');
    const { code } = await exited(run.child);
    expect(code, run.output()).toBe(0);

    const records = readRecords(run.dir);
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['INFO', 'checkout started'],
      ['WARNING', 'card declined, retrying'],
      ['ERROR', 'charge failed'],
      ['INFO', 'invoice sent'],
    ]);
    for (const record of records) expect(record).toMatchObject({ logger: 'billing', app: 'billing' });
    expect(records[0].user_id).toBe('u-17');
    expect(JSON.stringify(records[0])).not.toContain('4111 1111 1111 1111'); // masked on the way in
    expect(records[1]).toMatchObject({ request_id: 'req-9', data: { attempt: 2 } });
    expect(records[2].error).toMatchObject({
      code: 'E_GATEWAY',
      message: 'gateway timeout: connect ETIMEDOUT',
    });
    expect(records[3]).toMatchObject({ action: 'invoice_sent', status: 'success', duration_ms: 12.5 });
  });
});
