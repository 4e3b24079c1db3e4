// The query benchmark's dataset: ~1 GB of realistic actionlog records over 10 daily files, the
// 3 oldest gzipped by actionlog's own retention step (compressSegment), as a log directory that
// has been rotated looks. Deterministic (seeded), so
// every tool and every run answers the same questions over the same bytes.

import { once } from 'node:events';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { compressSegment } = await import(
  fileURLToPath(new URL('../packages/actionlog/dist/files/compress-segment.js', import.meta.url))
);

/** Bumped when the files change shape (3: gzipped by compressSegment, in members with the AL field). */
const FORMAT = 3;
export const DAYS = 10;
export const GZIPPED_DAYS = 3;
const FIRST_DAY = Date.UTC(2026, 0, 5);
const DAY_MS = 86_400_000;

/** Ensures `dir` holds the dataset for `targetBytes` (reusing it when the manifest matches). */
export async function ensureDataset(dir, targetBytes, log = () => {}) {
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (
      manifest.format === FORMAT &&
      manifest.targetBytes === targetBytes &&
      manifest.files.every((f) => existsSync(join(dir, f.name)))
    ) {
      return manifest;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const random = seeded(42);
  const perDay = targetBytes / DAYS;
  const files = [];
  let records = 0;
  let seq = 0;
  for (let d = 0; d < DAYS; d++) {
    const day = new Date(FIRST_DAY + d * DAY_MS).toISOString().slice(0, 10);
    const name = `${day}.jsonl`;
    const path = join(dir, name);
    log(`  writing ${name} …`);
    const out = createWriteStream(path);
    let bytes = 0;
    let n = 0;
    // ~400 bytes a record: spread the day's records evenly over its 24 hours.
    const expected = Math.ceil(perDay / 420);
    const spacing = DAY_MS / expected;
    let batch = '';
    while (bytes < perDay) {
      const ts = FIRST_DAY + d * DAY_MS + Math.min(DAY_MS - 1, Math.floor(n * spacing + random() * spacing));
      const line = JSON.stringify(makeRecord(ts, ++seq, random)) + '\n';
      batch += line;
      bytes += line.length;
      n++;
      if (batch.length > 1 << 20) {
        if (!out.write(batch)) await once(out, 'drain');
        batch = '';
      }
    }
    out.end(batch);
    await once(out, 'finish');
    records += n;
    files.push({ name, bytes, records: n });
  }
  for (let d = 0; d < GZIPPED_DAYS; d++) {
    const file = files[d];
    log(`  gzipping ${file.name} …`);
    const path = join(dir, file.name);
    await compressSegment(dir, file.name, { level: 6 });
    file.name += '.gz';
    file.compressedBytes = statSync(`${path}.gz`).size;
  }
  const manifest = {
    format: FORMAT,
    targetBytes,
    records,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    files,
  };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return manifest;
}

export function datasetFiles(dir) {
  return readdirSync(dir)
    .filter((name) => /\.jsonl(\.gz)?$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOOLS = ['bash', 'read_file', 'write_file', 'web_search', 'grep', 'edit_file', 'list_dir'];
const MODELS = ['claude-sonnet', 'gpt-4o', 'claude-haiku', 'gemini-pro'];
const ROUTES = ['/api/cases/:id', '/api/cases', '/api/users/:id', '/api/payments', '/health', '/api/search'];
const HOSTS = ['web-1', 'web-2', 'worker-1', 'worker-2'];

function stack(message, fn, random) {
  const frames = [fn, 'processTicksAndRejections', 'Router.handle', 'Layer.handleRequest', 'next'];
  return (
    `Error: ${message}\n` +
    frames
      .map(
        (f, i) =>
          `    at ${f} (file:///srv/app/dist/${f.split('.')[0]}.js:${10 + i * 7}:${Math.floor(random() * 40)})`,
      )
      .join('\n')
  );
}

function id(random, prefix) {
  return prefix + Math.floor(random() * 2 ** 40).toString(36);
}

/** One record in actionlog's key order (DESIGN.md §2). Service mix and failure rates are fixed. */
function makeRecord(ts, seq, random) {
  const pick = (items) => items[Math.floor(random() * items.length)];
  const duration = (median) => Math.round(median * Math.exp((random() - 0.5) * 2.4) * 10) / 10;
  const user = `u-${1000 + Math.floor(random() * 5000)}`;
  const session = `sess-${Math.floor(random() * 1e6).toString(36)}`;
  const base = { timestamp: new Date(ts).toISOString(), seq, level: 'INFO' };
  const r = random();
  let rec;
  if (r < 0.6) {
    const kind = pick([
      'user_input',
      'llm_request',
      'llm_response',
      'tool_call',
      'tool_result',
      'llm_response',
      'tool_result',
    ]);
    rec = {
      ...base,
      category: 'agent',
      logger: 'app.agent',
      message: kind,
      action: kind,
      service: 'AgentService',
    };
    const execution_id = id(random, 'exec-');
    if (kind === 'llm_response') {
      const failed = random() < 0.03;
      rec.status = failed ? 'failed' : 'success';
      rec.duration_ms = duration(failed ? 20_000 : 2_500);
      Object.assign(rec, {
        session_id: session,
        execution_id,
        request_id: id(random, 'req-'),
        user_id: user,
      });
      if (failed) {
        rec.level = 'ERROR';
        const msg = `Rate limit exceeded: retry after ${5 + Math.floor(random() * 55)}s`;
        rec.error = {
          type: 'RateLimitError',
          message: msg,
          stack: stack(msg, 'callModel', random),
          code: 429,
        };
      }
      rec.data = {
        model: pick(MODELS),
        input_tokens: 500 + Math.floor(random() * 8000),
        output_tokens: 50 + Math.floor(random() * 1500),
      };
    } else if (kind === 'tool_result') {
      const tool_name = pick(TOOLS);
      const failed = random() < 0.06;
      rec.status = failed ? 'failed' : 'success';
      rec.duration_ms = duration(tool_name === 'web_search' ? 900 : 120);
      Object.assign(rec, { session_id: session, execution_id, user_id: user });
      if (failed) {
        rec.level = 'ERROR';
        const msg = `${tool_name}: command exited with code ${1 + Math.floor(random() * 3)}`;
        rec.error = { type: 'ToolError', message: msg, stack: stack(msg, 'runTool', random) };
      }
      rec.data = { tool_name, tool_use_id: id(random, 'toolu_'), output_chars: Math.floor(random() * 20000) };
    } else {
      Object.assign(rec, { session_id: session, execution_id, user_id: user });
      rec.data =
        kind === 'tool_call'
          ? {
              tool_name: pick(TOOLS),
              tool_use_id: id(random, 'toolu_'),
              args: { path: `src/module${Math.floor(random() * 50)}.ts` },
            }
          : kind === 'llm_request'
            ? { model: pick(MODELS), input_tokens: 500 + Math.floor(random() * 8000) }
            : { chars: 20 + Math.floor(random() * 400) };
    }
  } else if (r < 0.72) {
    const route = pick(ROUTES);
    const method = route === '/api/cases' || route === '/api/payments' ? 'POST' : 'GET';
    const roll = random();
    const code = roll < 0.02 ? 500 : roll < 0.08 ? 404 : 200;
    rec = {
      ...base,
      level: code >= 500 ? 'ERROR' : code >= 400 ? 'WARNING' : 'INFO',
      category: 'http',
      logger: 'app.http',
      message: `${method} ${route} ${code}`,
      action: 'http_request',
      service: 'ApiGateway',
      status: code >= 500 ? 'failed' : 'success',
      duration_ms: duration(code >= 500 ? 800 : 40),
      request_id: id(random, 'http-'),
      trace_id: id(random, ''),
      user_id: user,
      data: { method, route, status_code: code, bytes: Math.floor(random() * 50_000) },
    };
  } else if (r < 0.82) {
    const failed = random() < 0.1;
    rec = {
      ...base,
      level: failed ? 'ERROR' : 'INFO',
      category: 'system',
      logger: 'app.payments',
      message: failed ? 'charge declined' : 'charge',
      action: 'charge',
      service: 'PaymentService',
      status: failed ? 'failed' : 'success',
      duration_ms: duration(failed ? 1200 : 350),
      session_id: session,
      request_id: id(random, 'pay-'),
      user_id: user,
      account_id: `acct-${Math.floor(random() * 900)}`,
    };
    if (failed) {
      const msg = pick(['card declined', 'insufficient funds', 'issuer unavailable']);
      rec.error = {
        type: 'PaymentError',
        message: msg,
        stack: stack(msg, 'chargeCard', random),
        code: 'payment_failed',
      };
    }
    rec.data = { amount_cents: 500 + Math.floor(random() * 50_000), currency: pick(['EUR', 'USD', 'GBP']) };
  } else {
    const service = pick([
      'CaseService',
      'AuthService',
      'NotificationService',
      'SearchService',
      'AdminService',
    ]);
    const action = {
      CaseService: pick(['createCase', 'updateCase', 'closeCase']),
      AuthService: pick(['login', 'logout', 'refresh_token']),
      NotificationService: pick(['send_email', 'send_push']),
      SearchService: 'search',
      AdminService: pick(['config_change', 'permission_grant']),
    }[service];
    const failed = random() < 0.04;
    rec = {
      ...base,
      level: failed ? 'ERROR' : 'INFO',
      category: service === 'AdminService' ? 'audit' : service === 'AuthService' ? 'security' : 'system',
      logger: `app.${service.replace('Service', '').toLowerCase()}`,
      message: `${service}.${action} ${failed ? 'failed' : 'success'}`,
      action,
      service,
      status: failed ? 'failed' : 'success',
      duration_ms: duration(service === 'SearchService' ? 200 : 60),
      user_id: user,
    };
    if (failed) {
      const msg = pick(['deadlock detected', 'connection reset by peer', 'timeout after 30000ms']);
      rec.error = { type: 'Error', message: msg, stack: stack(msg, action, random) };
    }
    rec.data = {
      key: pick(['max_tokens', 'allowed_tools', 'billing.plan', 'query', 'to']),
      size: Math.floor(random() * 1000),
    };
  }
  rec.host = pick(HOSTS);
  rec.pid = 1000 + Math.floor(random() * 8);
  rec.app = 'shop';
  return rec;
}
