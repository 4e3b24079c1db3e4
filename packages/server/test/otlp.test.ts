import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import generated from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { type LevelName, OTEL_SEVERITY } from 'actionlog';
import { describe, expect, it } from 'vitest';
import { type TestServer, tempDirs, testServers } from './helpers.js';

const tempDir = tempDirs();
const servers = testServers();

type Row = Record<string, unknown>;
type Kind = 'json' | 'protobuf';
interface ExportOptions {
  compression?: 'gzip' | 'none';
  headers?: Record<string, string>;
}

/** The server over a real socket (the exporters speak HTTP to it like to any collector). */
async function listening(server: TestServer): Promise<string> {
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}/v1/logs`;
}

/**
 * Sends records the way DESIGN.md §2 maps them onto OpenTelemetry, through the official SDK and
 * exporter: `service` → resource `service.name` (one LoggerProvider per service), `logger` → the
 * instrumentation scope, `timestamp`, `level`, `message`, `trace_id`/`span_id` → the LogRecord's
 * own fields, everything else → attributes. One batch (one request) per service.
 */
async function exportRecords(url: string, kind: Kind, records: Row[], options: ExportOptions = {}) {
  const results: Array<{ code: number; error?: Error }> = [];
  const services = [...new Set(records.map((r) => r.service as string | undefined))];
  for (const service of services) {
    const config = { url, compression: options.compression ?? 'none', headers: options.headers };
    const otlp =
      kind === 'json'
        ? new JsonLogExporter(config as ConstructorParameters<typeof JsonLogExporter>[0])
        : new ProtobufLogExporter(config as ConstructorParameters<typeof ProtobufLogExporter>[0]);
    const exporter: LogRecordExporter = {
      export: (logs: ReadableLogRecord[], done) =>
        otlp.export(logs, (result) => {
          results.push(result);
          done(result);
        }),
      shutdown: () => otlp.shutdown(),
      forceFlush: () => otlp.forceFlush(),
    };
    const provider = new LoggerProvider({
      resource: resourceFromAttributes(service === undefined ? {} : { 'service.name': service }),
      processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60_000 })],
    });
    for (const record of records.filter((r) => r.service === service)) {
      const { timestamp, level, message, trace_id, span_id, service: _, logger, ...attributes } = record;
      const context =
        typeof trace_id === 'string'
          ? trace.setSpanContext(ROOT_CONTEXT, {
              traceId: trace_id,
              spanId: span_id as string,
              traceFlags: TraceFlags.SAMPLED,
            })
          : ROOT_CONTEXT;
      provider.getLogger(logger as string).emit({
        timestamp: new Date(timestamp as string),
        severityNumber: OTEL_SEVERITY[level as LevelName],
        severityText: level as string,
        body: message as string | undefined,
        attributes: attributes as never,
        context,
      });
    }
    await provider.forceFlush();
    await provider.shutdown();
  }
  return results;
}

/** What an exporter sends, caught by a stand-in collector (to replay it, or cut it short). */
async function capture(kind: Kind, records: Row[], options: ExportOptions = {}) {
  const requests: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
  const collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': request.headers['content-type'] }).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = collector.address() as AddressInfo;
    await exportRecords(`http://127.0.0.1:${port}/v1/logs`, kind, records, options);
  } finally {
    await new Promise((resolve) => collector.close(resolve));
  }
  expect(requests).toHaveLength(1);
  return requests[0];
}

const { ExportLogsServiceRequest, ExportLogsServiceResponse } = (
  generated as unknown as {
    opentelemetry: {
      proto: {
        collector: {
          logs: {
            v1: Record<
              string,
              {
                decode(bytes: Uint8Array): object;
                toObject(message: object, options: object): Row;
                fromObject(value: object): object;
                encode(message: object): { finish(): Uint8Array };
              }
            >;
          };
        };
      };
    };
  }
).opentelemetry.proto.collector.logs.v1;

/**
 * Warnings of the OpenTelemetry JS API copy the exporters use (they log a partial success, or a
 * response they cannot read, through `diag`, and still count the export a success).
 */
function exporterWarnings(): { warnings: string[]; stop(): void } {
  const here = createRequire(import.meta.url);
  const exporterBase = createRequire(
    createRequire(here.resolve('@opentelemetry/exporter-logs-otlp-proto')).resolve(
      '@opentelemetry/otlp-exporter-base',
    ),
  );
  const api = exporterBase('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const warnings: string[] = [];
  const log = (...args: unknown[]) =>
    warnings.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  api.diag.setLogger(
    { error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: api.DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  return { warnings, stop: () => api.diag.disable() };
}

async function rows(
  server: TestServer,
  q = 'sort seq asc',
  headers: Record<string, string> = {},
): Promise<Row[]> {
  const response = await server.call({ url: `/api/query?q=${encodeURIComponent(q)}`, headers });
  expect(response.status).toBe(200);
  return response.body.rows;
}

const post = (
  payload: string | Buffer,
  contentType: string | null = 'application/json',
  headers: Record<string, string> = {},
) => ({
  method: 'POST' as const,
  url: '/v1/logs',
  headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
  payload,
});

/** Records that use every §2 field the OpenTelemetry mapping carries, in §2 order. */
const RECORDS: Row[] = [
  {
    timestamp: '2026-11-23T10:30:45.123Z',
    seq: 1,
    level: 'INFO',
    category: 'audit',
    logger: 'shop.cases.routes',
    message: 'case created',
    action: 'createCase',
    service: 'CaseService',
    status: 'success',
    duration_ms: 12.5,
    session_id: 'sess-1',
    execution_id: 'exec-1',
    request_id: 'req-1',
    trace_id: '0af7651916cd43dd8448eb211c80319c',
    span_id: 'b7ad6b7169203331',
    user_id: 'u-42',
    account_id: 'acct-7',
    data: { caseId: 17, tags: ['a', 'b'], nested: { ok: true, ratio: 0.25, none: null } },
    host: 'web-1',
    pid: 4242,
    app: 'shop',
  },
  {
    timestamp: '2026-11-23T10:30:46.000Z',
    seq: 2,
    level: 'ERROR',
    category: 'http',
    logger: 'shop.payments',
    message: 'charge failed',
    action: 'charge',
    service: 'PaymentService',
    status: 'failed',
    duration_ms: 3000,
    request_id: 'req-2',
    error: {
      type: 'TimeoutError',
      message: 'upstream timed out',
      stack: 'TimeoutError: upstream timed out\n    at charge (pay.ts:10:5)',
      code: 'ETIMEDOUT',
    },
  },
  { timestamp: '2026-11-23T10:30:47.001Z', seq: 3, level: 'DEBUG', logger: 'shop.cache', message: 'miss' },
  {
    timestamp: '2026-11-23T10:30:48.999Z',
    seq: 4,
    level: 'WARNING',
    logger: 'shop.cases.routes',
    action: 'slowQuery',
    service: 'CaseService',
    duration_ms: 0,
  },
  {
    timestamp: '2026-11-23T10:30:49.500Z',
    seq: 5,
    level: 'CRITICAL',
    logger: 'shop.payments',
    message: 'ledger out of balance — ¥ ✓',
    service: 'PaymentService',
    data: { diff: -0.5, big: 2 ** 53 + 2, empty: {}, list: [] },
  },
];

describe('POST /v1/logs: records from the official OpenTelemetry exporters', () => {
  for (const [kind, compression] of [
    ['json', 'none'],
    ['json', 'gzip'],
    ['protobuf', 'none'],
    ['protobuf', 'gzip'],
  ] as const) {
    it(`record → OTLP (${kind}, ${compression}) → record unchanged, and found by search`, async () => {
      const server = await servers.open(tempDir());
      const url = await listening(server);
      const results = await exportRecords(url, kind, RECORDS, { compression });
      expect(results.map((r) => r.code)).toEqual([0, 0, 0]);

      const stored = await rows(server);
      // Key order too: stored in §2 order, as the library writes a record.
      expect(stored.map((row) => JSON.stringify(row))).toEqual(
        RECORDS.map((record) =>
          // 2^53 + 2 is not a safe integer: an int64 beyond 2^53 keeps its digits as a string.
          JSON.stringify(
            record.seq === 5
              ? { ...record, data: { ...(record.data as Row), big: '9007199254740994' } }
              : record,
          ),
        ),
      );
      const byTrace = await server.call('/action-logs/search?trace_id=0af7651916cd43dd8448eb211c80319c');
      expect(byTrace.body.actions.map((a: Row) => a.action)).toEqual(['createCase']);
      const failed = await server.call('/action-logs/failed');
      expect(failed.body.actions.map((a: Row) => [a.service, a.error])).toEqual([
        ['PaymentService', 'upstream timed out'],
      ]);
      const text = await server.call('/action-logs/search?q=%22out%20of%20balance%22');
      expect(text.body.actions.map((a: Row) => a.level)).toEqual(['CRITICAL']);
      expect(servers.internalErrors).toEqual([]);
    });
  }

  it('partial success: good records are kept, the refused ones counted and named, in either encoding', async () => {
    const server = await servers.open(tempDir());
    const url = await listening(server);
    const mixed: Row[] = [
      {
        timestamp: '2026-11-23T10:00:00.000Z',
        seq: 1,
        level: 'INFO',
        logger: 'l',
        message: 'good',
        service: 'S',
      },
      {
        timestamp: '2026-11-23T10:00:01.000Z',
        level: 'INFO',
        logger: 'l',
        service: 'S',
        duration_ms: 'slow',
      },
      {
        timestamp: '2026-11-23T10:00:02.000Z',
        seq: 3,
        level: 'INFO',
        logger: 'l',
        message: 'good too',
        service: 'S',
      },
      { timestamp: '2026-11-23T10:00:03.000Z', level: 'INFO', logger: 'l', service: 'S', data: 'not a map' },
    ];
    const expectedMessage =
      '2 of 4 log records rejected: #1: duration_ms: got "slow"; expected a number of milliseconds ≥ 0; ' +
      '#3: attribute data: expected a map (kvlistValue), got "not a map"';

    const json = await capture('json', mixed);
    const jsonReply = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': String(json.headers['content-type']) },
      body: json.body,
    });
    expect(jsonReply.status).toBe(200);
    expect(jsonReply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await jsonReply.json()).toEqual({
      partialSuccess: { rejectedLogRecords: '2', errorMessage: expectedMessage },
    });

    const protobuf = await capture('protobuf', mixed, { compression: 'gzip' });
    expect(protobuf.headers['content-encoding']).toBe('gzip');
    const protobufReply = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
      body: protobuf.body,
    });
    expect(protobufReply.status).toBe(200);
    expect(protobufReply.headers.get('content-type')).toBe('application/x-protobuf');
    const decoded = ExportLogsServiceResponse.toObject(
      ExportLogsServiceResponse.decode(new Uint8Array(await protobufReply.arrayBuffer())),
      { longs: String },
    );
    expect(decoded).toEqual({ partialSuccess: { rejectedLogRecords: '2', errorMessage: expectedMessage } });
    expect((await rows(server)).map((r) => r.message)).toEqual(['good', 'good', 'good too', 'good too']);

    // The exporters read the answer as a partial success (no complaint about its encoding).
    const diag = exporterWarnings();
    try {
      for (const kind of ['json', 'protobuf'] as const) {
        expect((await exportRecords(url, kind, mixed)).map((r) => r.code)).toEqual([0]);
      }
    } finally {
      diag.stop();
    }
    const partialWarnings = diag.warnings.filter((w) => w.startsWith('Received Partial Success response:'));
    expect(partialWarnings).toHaveLength(2);
    for (const warning of partialWarnings) expect(warning).toContain('#1: duration_ms: got \\"slow\\"');
    expect(diag.warnings.filter((w) => /deserialize/.test(w))).toEqual([]);
    // A full success leaves partialSuccess unset: an empty message in both encodings.
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: (await capture('protobuf', [mixed[0]])).body,
    });
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(0);
    const okJson = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: (await capture('json', [mixed[0]])).body,
    });
    expect(await okJson.json()).toEqual({});
    expect(servers.internalErrors).toEqual([]);
  });

  it('needs the ingest scope when tokens are configured', async () => {
    const token = 'otel-collector-token-0123';
    const server = await servers.open(tempDir(), {
      tokens: [
        { name: 'collector', sha256: createHash('sha256').update(token).digest('hex'), scopes: ['ingest'] },
        { name: 'dashboard', token: 'reader-token-0123456789', scopes: ['read'] },
      ],
    });
    const url = await listening(server);
    const body = (await capture('protobuf', [RECORDS[2]])).body;
    const send = (authorization?: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', ...(authorization ? { authorization } : {}) },
        body,
      });
    const missing = await send();
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      detail: 'this server needs a token: send Authorization: Bearer <token>',
    });
    const reader = await send('Bearer reader-token-0123456789');
    expect(reader.status).toBe(403);
    expect(((await reader.json()) as { detail: string }).detail).toMatch(/needs the "ingest" scope/);
    const results = await exportRecords(url, 'protobuf', [RECORDS[2]], {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(results.map((r) => r.code)).toEqual([0]);
    const stored = await rows(server, 'limit 5', { authorization: 'Bearer reader-token-0123456789' });
    expect(stored.map((r) => r.message)).toEqual(['miss']);
  });
});

describe('POST /v1/logs: OpenTelemetry records onto §2', () => {
  it('severity, body, ids, time, resource, scope, eventName and exception attributes', async () => {
    const server = await servers.open(tempDir());
    const nanos = (iso: string) => `${Date.parse(iso)}000000`;
    const request = {
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'GoWorker' } },
              { key: 'host.name', value: { stringValue: 'node-3' } },
              { key: 'process.pid', value: { intValue: '77' } },
              { key: 'telemetry.sdk.language', value: { stringValue: 'go' } },
            ],
          },
          scopeLogs: [
            {
              scope: { name: 'worker.queue', version: '1.2.3' },
              logRecords: [
                {
                  timeUnixNano: nanos('2026-11-23T10:00:00.123Z'),
                  severityNumber: 13,
                  severityText: 'Warning',
                  body: { stringValue: 'queue is filling up' },
                  traceId: '0AF7651916CD43DD8448EB211C80319C',
                  spanId: 'B7AD6B7169203331',
                  attributes: [
                    { key: 'http.method', value: { stringValue: 'GET' } },
                    { key: 'status', value: { stringValue: 'success' } },
                    { key: 'duration_ms', value: { intValue: 250 } },
                    { key: 'retries', value: { intValue: '3' } },
                    { key: 'huge', value: { intValue: '-9223372036854775808' } },
                    { key: 'blob', value: { bytesValue: 'AAEC' } },
                    { key: 'on', value: { boolValue: true } },
                    { key: 'nan', value: { doubleValue: 'NaN' } },
                    { key: 'nothing', value: {} },
                  ],
                },
                {
                  observedTimeUnixNano: Number(nanos('2026-11-23T10:00:01.000Z')),
                  severityText: 'fatal',
                  eventName: 'queue.stalled',
                  body: {
                    kvlistValue: {
                      values: [
                        { key: 'depth', value: { intValue: 1000 } },
                        { key: 'queues', value: { arrayValue: { values: [{ stringValue: 'a' }] } } },
                      ],
                    },
                  },
                  attributes: [
                    { key: 'exception.type', value: { stringValue: 'QueueError' } },
                    { key: 'exception.message', value: { stringValue: 'stalled' } },
                    { key: 'exception.stacktrace', value: { stringValue: 'QueueError: stalled\n  at run' } },
                    { key: 'logger', value: { stringValue: 'worker.queue.watchdog' } },
                  ],
                },
                {
                  severityNumber: 1,
                  body: { doubleValue: 1.5 },
                  timeUnixNano: '0',
                  observedTimeUnixNano: '0',
                },
                { severityNumber: 'SEVERITY_NUMBER_ERROR', body: { stringValue: 'enum by name' } },
                { severityNumber: 24, severityText: 'INFO', body: { stringValue: 'number wins' } },
                { severityText: 'Information', body: { stringValue: '.NET text' } },
                {
                  body: { stringValue: 'error attribute wins' },
                  attributes: [
                    {
                      key: 'error',
                      value: {
                        kvlistValue: {
                          values: [
                            { key: 'type', value: { stringValue: 'E' } },
                            { key: 'message', value: { stringValue: 'from the attribute' } },
                          ],
                        },
                      },
                    },
                    { key: 'exception.stacktrace', value: { stringValue: 'E: trace' } },
                    { key: 'message', value: { stringValue: 'the body is the message' } },
                  ],
                },
              ],
            },
          ],
        },
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'unknown_service:node' } }] },
          scopeLogs: [{ logRecords: [{ body: { stringValue: 'no service, no scope, no level' } }] }],
        },
      ],
    };
    const before = Date.now();
    const response = await server.call(post(JSON.stringify(request)));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({});
    const stored = await rows(server, 'sort message asc');
    const byMessage = Object.fromEntries(stored.map((row) => [String(row.message ?? row.action), row]));
    expect(byMessage['queue is filling up']).toEqual({
      timestamp: '2026-11-23T10:00:00.123Z',
      level: 'WARNING',
      logger: 'worker.queue',
      message: 'queue is filling up',
      service: 'GoWorker',
      status: 'success',
      duration_ms: 250,
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
      data: {
        'http.method': 'GET',
        retries: 3,
        huge: '-9223372036854775808',
        blob: 'AAEC',
        on: true,
        nan: 'NaN',
        nothing: null,
      },
      host: 'node-3',
      pid: 77,
    });
    expect(byMessage['queue.stalled']).toEqual({
      timestamp: '2026-11-23T10:00:01.000Z',
      level: 'CRITICAL',
      logger: 'worker.queue.watchdog',
      action: 'queue.stalled',
      service: 'GoWorker',
      error: { type: 'QueueError', message: 'stalled', stack: 'QueueError: stalled\n  at run' },
      data: { depth: 1000, queues: ['a'] },
      host: 'node-3',
      pid: 77,
    });
    const noTime = stored.find((row) => (row.data as Row | undefined)?.body === 1.5)!;
    expect(noTime.level).toBe('DEBUG');
    expect(Date.parse(noTime.timestamp as string)).toBeGreaterThanOrEqual(before - 1);
    expect(byMessage['enum by name'].level).toBe('ERROR');
    expect(byMessage['number wins'].level).toBe('CRITICAL');
    expect(byMessage['.NET text'].level).toBe('INFO');
    expect(byMessage['error attribute wins']).toMatchObject({
      error: { type: 'E', message: 'from the attribute' },
      data: { 'exception.stacktrace': 'E: trace', message: 'the body is the message' },
    });
    const bare = byMessage['no service, no scope, no level'];
    expect(Object.keys(bare)).toEqual(['timestamp', 'level', 'message']);
    expect(bare.level).toBe('INFO');
  });

  it('masks with the library rules, like POST /action-logs', async () => {
    const server = await servers.open(tempDir());
    const url = await listening(server);
    await exportRecords(url, 'protobuf', [
      {
        timestamp: '2026-11-23T10:00:00.000Z',
        level: 'INFO',
        logger: 'auth',
        message: 'login with password=hunter2',
        service: 'Auth',
        user_id: 'bob@example.com',
        data: { apiKey: 'sk_live_abcdefghijklmnop' },
      },
    ]);
    const [row] = await rows(server, 'limit 1');
    expect(row.message).not.toContain('hunter2');
    expect(row.user_id).not.toBe('bob@example.com');
    expect((row.data as Row).apiKey).toBe('[MASKED]');
  });
});

describe('POST /v1/logs: bodies it cannot read', () => {
  it('400 {"detail"} for malformed protobuf, truncated gzip, and JSON that is not OTLP; never a 500', async () => {
    const server = await servers.open(tempDir());
    const good = await capture('protobuf', [RECORDS[0], RECORDS[3]]);
    const cases: Array<[string, ReturnType<typeof post>, RegExp]> = [
      [
        'not protobuf',
        post(Buffer.from('this is not a protobuf message'), 'application/x-protobuf'),
        /^body: not a valid OTLP ExportLogsServiceRequest protobuf \(/,
      ],
      [
        'protobuf cut short',
        post(good.body.subarray(0, Math.floor(good.body.length / 2)), 'application/x-protobuf'),
        /^body: not a valid OTLP ExportLogsServiceRequest protobuf \(/,
      ],
      [
        'gzip cut short',
        post(gzipSync(good.body).subarray(0, 40), 'application/x-protobuf', { 'content-encoding': 'gzip' }),
        /^body: not valid gzip \(unexpected end of file\)$/,
      ],
      [
        'not gzip at all',
        post(good.body, 'application/x-protobuf', { 'content-encoding': 'gzip' }),
        /^body: not valid gzip \(/,
      ],
      ['JSON syntax', post('{"resourceLogs": ['), /^body: not valid JSON \(/],
      ['invalid UTF-8', post(Buffer.from([0x7b, 0xff, 0x7d])), /^body: not valid UTF-8$/],
      [
        'records instead of OTLP',
        post('[{"service":"S"}]'),
        /^body: expected an OTLP ExportLogsServiceRequest \{"resourceLogs": \[\.\.\.\]\}; actionlog records go to POST \/action-logs$/,
      ],
      [
        'resourceLogs not a list',
        post('{"resourceLogs": 5}'),
        /^body: resourceLogs: expected an array, got number 5$/,
      ],
      [
        'scopeLogs not a list',
        post('{"resourceLogs": [{"scopeLogs": {"logRecords": []}}]}'),
        /^body: resourceLogs\[0\]\.scopeLogs: expected an array, got an object$/,
      ],
      ['empty JSON body', post(''), /^body: not valid JSON/],
    ];
    for (const [name, request, detail] of cases) {
      const response = await server.call(request);
      expect(response.status, name).toBe(400);
      expect(response.headers['content-type'], name).toMatch(/^application\/json/);
      expect(response.body.detail, name).toMatch(detail);
    }
    // A 100,000-deep AnyValue: refused by the decoder (protobuf) or as one record (JSON), never a crash.
    const deepProtobuf = await server.call(post(deepArrayRequest(100_000), 'application/x-protobuf'));
    expect(deepProtobuf.status).toBe(400);
    expect(deepProtobuf.body.detail).toMatch(/^body: not a valid OTLP ExportLogsServiceRequest protobuf/);
    const deepJson = await server.call(
      post(
        `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(100_000)}${']}}'.repeat(100_000)}}]}]}]}`,
      ),
    );
    expect(deepJson.status).toBe(200);
    expect(deepJson.body.partialSuccess.rejectedLogRecords).toBe('1');
    expect(deepJson.body.partialSuccess.errorMessage).toMatch(/nested deeper than 64 levels$/);
    // 65 levels through the official encoder: one record refused, its neighbour kept.
    let value: object = { stringValue: 'bottom' };
    for (let i = 0; i < 65; i++) value = { arrayValue: { values: [value] } };
    const tooDeep = ExportLogsServiceRequest.encode(
      ExportLogsServiceRequest.fromObject({
        resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: value }, { body: { stringValue: 'kept' } }] }] }],
      }),
    ).finish();
    const partial = await server.app.inject(post(Buffer.from(tooDeep), 'application/x-protobuf'));
    expect(partial.statusCode).toBe(200);
    const decoded = ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(partial.rawPayload), {
      longs: String,
    });
    expect(decoded.partialSuccess).toMatchObject({ rejectedLogRecords: '1' });
    expect((await rows(server, 'limit 5')).map((r) => r.message)).toEqual(['kept']);
    // Ids of the wrong length: that record only.
    const badId = await server.call(
      post('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"abc"},{"spanId":"zz"},{}]}]}]}'),
    );
    expect(badId.body.partialSuccess).toEqual({
      rejectedLogRecords: '2',
      errorMessage:
        '2 of 3 log records rejected: #0: traceId: got "abc"; expected 32 hex digits; #1: spanId: got "zz"; expected 16 hex digits',
    });
    expect(servers.internalErrors).toEqual([]);
  });

  it('415 for other content types and encodings; 413 past the body limit, inflated or not', async () => {
    const server = await servers.open(tempDir(), { bodyLimit: 64 * 1024 });
    for (const [request, detail] of [
      [
        post('hello', 'text/plain'),
        'Content-Type text/plain is not accepted here: send OTLP as application/x-protobuf or application/json',
      ],
      [
        post('{}', 'application/x-ndjson'),
        'Content-Type application/x-ndjson is not accepted here: send OTLP as application/x-protobuf or application/json',
      ],
      [
        post(Buffer.from('{}'), null),
        'a body without a Content-Type is not accepted here: send OTLP as application/x-protobuf or application/json',
      ],
      [
        post('{}', 'application/json', { 'content-encoding': 'br' }),
        'Content-Encoding br is not accepted here: send gzip or uncompressed',
      ],
    ] as const) {
      const response = await server.call(request);
      expect(response.status, detail).toBe(415);
      expect(response.body, detail).toEqual({ detail });
    }
    const bomb = await server.call(
      post(gzipSync(Buffer.alloc(10 * 1024 * 1024)), 'application/x-protobuf', {
        'content-encoding': 'gzip',
      }),
    );
    expect(bomb.status).toBe(413);
    expect(bomb.body.detail).toBe(
      "the body inflates past this server's limit of 65536 bytes: send fewer records per request",
    );
    const big = await server.call(post(Buffer.alloc(100 * 1024), 'application/x-protobuf'));
    expect(big.status).toBe(413);
    expect(servers.internalErrors).toEqual([]);
  });
});

/**
 * An ExportLogsServiceRequest whose one LogRecord body is `depth` ArrayValues deep, written
 * outside-in (the official encoder recurses, and so cannot build it).
 */
function deepArrayRequest(depth: number): Buffer {
  const varint = (n: number) => {
    const bytes: number[] = [];
    for (; n > 127; n >>>= 7) bytes.push((n & 127) | 128);
    bytes.push(n);
    return bytes;
  };
  // anyValue[k]: the length of an AnyValue holding k nested ArrayValues.
  const anyValue = [0];
  const arrayValue = [0];
  for (let k = 1; k <= depth; k++) {
    arrayValue[k] = 1 + varint(anyValue[k - 1]).length + anyValue[k - 1];
    anyValue[k] = 1 + varint(arrayValue[k]).length + arrayValue[k];
  }
  const body: number[] = [];
  for (let k = depth; k >= 1; k--) {
    body.push(0x2a, ...varint(arrayValue[k]), 0x0a, ...varint(anyValue[k - 1]));
  }
  const field = (tag: number, content: Buffer) =>
    Buffer.concat([Buffer.from([tag, ...varint(content.length)]), content]);
  // LogRecord.body = 5, ScopeLogs.log_records = 2, ResourceLogs.scope_logs = 2, request.resource_logs = 1.
  return field(0x0a, field(0x12, field(0x12, field(0x2a, Buffer.from(body)))));
}
