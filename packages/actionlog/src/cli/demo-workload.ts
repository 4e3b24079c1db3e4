import type { Logger } from '../logger/logger.js';

/** A small seeded PRNG (mulberry32): the same seed writes the same workload. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOOLS = ['bash', 'read_file', 'write_file', 'web_search', 'grep'];
const MODELS = ['claude-sonnet', 'gpt-4o', 'claude-haiku'];
const ROUTES = [
  ['GET', '/api/cases/:id'],
  ['POST', '/api/cases'],
  ['GET', '/api/users/:id'],
  ['POST', '/api/payments'],
  ['GET', '/health'],
] as const;
const USERS = ['u-1001', 'u-1002', 'u-1003', 'u-1004', 'u-1005', 'u-1006'];

export interface DemoClock {
  now: () => number;
  advance: (ms: number) => void;
}

/** A clock that starts `spanMs` ago and moves forward as the workload advances it. */
export function demoClock(spanMs: number): DemoClock {
  let now = Date.now() - spanMs;
  return { now: () => now, advance: (ms) => (now = Math.min(Date.now(), now + ms)) };
}

/**
 * A realistic mix: agent sessions (user input, LLM requests and responses, tool calls and their
 * failures), HTTP requests, case and payment services with some failures, audit changes.
 * Returns the number of records written.
 */
export function writeDemoWorkload(
  log: Logger,
  sessions: number,
  random: () => number,
  clock: DemoClock,
): number {
  let records = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const duration = (median: number) => Math.round(median * Math.exp((random() - 0.5) * 2) * 10) / 10;
  const step = (spanMs: number) => clock.advance(Math.floor(random() * spanMs));

  for (let s = 0; s < sessions; s++) {
    const session_id = `sess-${(s + 1).toString().padStart(4, '0')}`;
    const user_id = pick(USERS);
    const agent = log.child({
      logger: 'app.agent',
      category: 'agent',
      session_id,
      user_id,
      service: 'AgentService',
    });
    agent.action('session_start', { data: { client: pick(['cli', 'web', 'vscode']) } });
    records++;
    const turns = 2 + Math.floor(random() * 4);
    for (let t = 0; t < turns; t++) {
      const execution_id = `exec-${s + 1}-${t + 1}`;
      step(20_000);
      agent.action('user_input', { execution_id, data: { chars: 20 + Math.floor(random() * 400) } });
      const model = pick(MODELS);
      const request_id = `req-${s + 1}-${t + 1}`;
      agent.action('llm_request', {
        execution_id,
        request_id,
        data: { model, input_tokens: 500 + Math.floor(random() * 8000) },
      });
      step(3_000);
      if (random() < 0.04) {
        agent.action('llm_error', {
          execution_id,
          request_id,
          status: 'failed',
          duration_ms: duration(30_000),
          error: Object.assign(new Error('rate limit exceeded: retry after 20s'), { code: 429 }),
          data: { model },
        });
        records += 3;
        continue;
      }
      agent.action('llm_response', {
        execution_id,
        request_id,
        status: 'success',
        duration_ms: duration(2_500),
        data: { model, output_tokens: 50 + Math.floor(random() * 1500) },
      });
      records += 3;
      const tools = Math.floor(random() * 4);
      for (let k = 0; k < tools; k++) {
        const tool_name = pick(TOOLS);
        const tool_use_id = `toolu_${s + 1}_${t + 1}_${k + 1}`;
        step(2_000);
        agent.action('tool_call', {
          execution_id,
          data: { tool_name, tool_use_id, args: { path: `src/module${k}.ts` } },
        });
        const failed = random() < 0.08;
        agent.action(failed ? 'tool_error' : 'tool_result', {
          execution_id,
          status: failed ? 'failed' : 'success',
          duration_ms: duration(tool_name === 'web_search' ? 900 : 120),
          error: failed ? new Error(`${tool_name}: command exited with code 1`) : undefined,
          data: { tool_name, tool_use_id, output_chars: Math.floor(random() * 5000) },
        });
        records += 2;
      }
    }
    writeHttpAndServices(log, session_id, user_id, random, pick, duration, step);
    records += 4;
    if (random() < 0.3) {
      log.audit(pick(['config_change', 'permission_grant', 'api_key_rotated']), {
        service: 'AdminService',
        user_id,
        session_id,
        data: { key: pick(['max_tokens', 'allowed_tools', 'billing.plan']), old: 'a', new: 'b' },
      });
      records++;
    }
    agent.action('session_end', { data: { turns } });
    records++;
  }
  return records;
}

function writeHttpAndServices(
  log: Logger,
  session_id: string,
  user_id: string,
  random: () => number,
  pick: <T>(items: readonly T[]) => T,
  duration: (median: number) => number,
  step: (spanMs: number) => void,
): void {
  const http = log.child({ logger: 'app.http', category: 'http', service: 'ApiGateway' });
  for (let i = 0; i < 2; i++) {
    step(1_000);
    const [method, route] = pick(ROUTES);
    const roll = random();
    const status_code = roll < 0.03 ? 500 : roll < 0.1 ? 404 : 200;
    const fields = {
      status: status_code >= 500 ? 'failed' : 'success',
      duration_ms: duration(status_code >= 500 ? 800 : 40),
      request_id: `http-${Math.floor(random() * 1e9).toString(36)}`,
      user_id,
      data: { method, route, status_code, bytes: Math.floor(random() * 20_000) },
    };
    const message = `${method} ${route} ${status_code}`;
    if (status_code >= 500) http.error(message, { action: 'http_request', ...fields });
    else if (status_code >= 400) http.warn(message, { action: 'http_request', ...fields });
    else http.info(message, { action: 'http_request', ...fields });
  }
  step(1_000);
  const caseFailed = random() < 0.05;
  log.logAction(
    'CaseService',
    pick(['createCase', 'updateCase', 'closeCase']),
    caseFailed ? 'failed' : 'success',
    duration(caseFailed ? 1500 : 60),
    caseFailed ? new Error('deadlock detected while updating case') : undefined,
  );
  const payments = log.child({ logger: 'app.payments', service: 'PaymentService', session_id, user_id });
  const declined = random() < 0.06;
  payments.action('charge', {
    status: declined ? 'failed' : 'success',
    duration_ms: duration(350),
    error: declined ? Object.assign(new Error('card declined'), { code: 'card_declined' }) : undefined,
    data: { amount_cents: 500 + Math.floor(random() * 20_000), currency: 'EUR' },
  });
}
