import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { activeTraceIds, contextStorage } from '../../logger/context.js';
import type { Logger } from '../../logger/logger.js';
import type { LogFields } from '../../record/record.js';
import { enableOpenTelemetryIfInstalled } from '../otel/enable.js';
import { parseTraceparent } from '../traceparent.js';

/** Options shared by the Express, Fastify and node:http request logs. */
export interface RequestLogOptions {
  /** Where the request records go. */
  logger: Logger;
  /**
   * Requests that get no record (their handlers still get a request id): exact paths such as
   * `['/health', '/ready']`, or a predicate.
   */
  skip?: readonly string[] | ((req: IncomingMessage) => boolean);
  /** Request headers to record in `data.headers`: `true` for all, or a list of names. Masked by the logger's rules. Default: none. */
  headers?: boolean | readonly string[];
  /** Record the parsed request body (Express `req.body`, Fastify `request.body`) in `data.body`, masked. Default: false. */
  body?: boolean;
  /** Header a request id is read from and echoed in. Default `x-request-id`. */
  requestIdHeader?: string;
  /** Makes a request id when the request brings none. Default `crypto.randomUUID`. */
  generateRequestId?: () => string;
  /** The `action` of request records. Default `http_request`. */
  action?: string;
}

/** The options, checked and prepared once per middleware. */
export interface RequestLogSettings {
  logger: Logger;
  skipPaths: ReadonlySet<string> | undefined;
  skipWhen: ((req: IncomingMessage) => boolean) | undefined;
  allHeaders: boolean;
  headerNames: readonly string[] | undefined;
  body: boolean;
  requestIdHeader: string;
  generateRequestId: () => string;
  action: string;
}

/** What is known about one request between its start and its record. */
export interface RequestScope {
  start: number;
  /** The context scope the handlers run in: `request_id`, and `trace_id` from `traceparent` when no span is active. */
  context: Record<string, unknown>;
  requestId: string;
  traceId: string | undefined;
  spanId: string | undefined;
  parentSpanId: string | undefined;
  /** The route pattern, when the router made it known while the request ran. */
  route: string | undefined;
  skipped: boolean;
  logged: boolean;
  error: unknown;
}

// Ids from outside are echoed in a response header and written to logs: printable, bounded.
const SAFE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function requestLogSettings(options: RequestLogOptions): RequestLogSettings {
  if (options === null || typeof options !== 'object' || typeof options.logger?.info !== 'function') {
    throw new TypeError(
      'actionlog: the request log needs { logger } (an actionlog Logger from createLogger())',
    );
  }
  enableOpenTelemetryIfInstalled();
  const { skip, headers } = options;
  return {
    logger: options.logger,
    skipPaths: Array.isArray(skip) && skip.length > 0 ? new Set(skip) : undefined,
    skipWhen: typeof skip === 'function' ? skip : undefined,
    allHeaders: headers === true,
    headerNames: Array.isArray(headers) ? headers.map((name) => name.toLowerCase()) : undefined,
    body: options.body === true,
    requestIdHeader: (options.requestIdHeader ?? 'x-request-id').toLowerCase(),
    generateRequestId: options.generateRequestId ?? randomUUID,
    action: options.action ?? 'http_request',
  };
}

/**
 * Starts a request: takes its id from the request header (or makes one) and echoes it in the
 * response, reads the active span or the `traceparent` header, and prepares the context scope.
 */
export function beginRequest(
  settings: RequestLogSettings,
  req: IncomingMessage,
  setResponseHeader: (name: string, value: string) => void,
): RequestScope {
  const start = performance.now();
  const given = req.headers[settings.requestIdHeader];
  const requestId =
    typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : settings.generateRequestId();
  setResponseHeader(settings.requestIdHeader, requestId);

  const context: Record<string, unknown> = { request_id: requestId };
  let traceId: string | undefined;
  let spanId: string | undefined;
  let parentSpanId: string | undefined;
  const span = activeTraceIds();
  if (span !== undefined) {
    // A tracer owns this request: each record takes the span active when it is logged.
    traceId = span.trace_id;
    spanId = span.span_id;
  } else {
    const parent = parseTraceparent(req.headers.traceparent);
    if (parent !== undefined) {
      traceId = parent.trace_id;
      parentSpanId = parent.parent_span_id;
      context.trace_id = traceId;
    }
  }
  return {
    start,
    context,
    requestId,
    traceId,
    spanId,
    parentSpanId,
    route: undefined,
    skipped: isSkipped(settings, req),
    logged: false,
    error: undefined,
  };
}

/**
 * Writes the request's one record: `http` category, level by status (5xx ERROR, 4xx and aborted
 * WARNING), method, route pattern, status code, duration, bytes, ids. Once per request.
 */
export function logRequest(
  settings: RequestLogSettings,
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  bytes: number | undefined,
  body?: unknown,
): void {
  if (scope.logged || scope.skipped) return;
  scope.logged = true;
  const statusCode = res.statusCode;
  const aborted = !res.writableFinished;
  const method = req.method ?? 'GET';
  const fields: LogFields = {
    action: settings.action,
    category: 'http',
    status: requestStatus(statusCode, aborted),
    duration_ms: Math.round((performance.now() - scope.start) * 1000) / 1000,
    request_id: scope.requestId,
    trace_id: scope.traceId,
    span_id: scope.spanId,
    method,
    route,
    status_code: statusCode,
    bytes,
  };
  if (scope.parentSpanId !== undefined) fields.parent_span_id = scope.parentSpanId;
  if (aborted) fields.aborted = true;
  if (scope.error !== undefined) fields.error = scope.error;
  if (settings.allHeaders || settings.headerNames !== undefined)
    fields.headers = pickHeaders(settings, req.headers);
  if (settings.body && body !== undefined) fields.body = body;

  const message = `${method} ${route} ${aborted ? 'aborted' : statusCode}`;
  const level = statusCode >= 500 ? 'error' : statusCode >= 400 || aborted ? 'warn' : 'info';
  // The record carries its ids itself: written outside the request's scope, the logger need not
  // turn that scope into bindings just for it (AsyncLocalStorage.exit would cost far more).
  contextStorage.run(NO_SCOPE, writeRecord, settings.logger, level, message, fields);
}

const NO_SCOPE = undefined as unknown as Record<string, unknown>;

/** `success`, `client_error` (4xx), `failed` (5xx, a failure in stats and alerts) or `aborted`. */
function requestStatus(statusCode: number, aborted: boolean): string {
  if (aborted) return 'aborted';
  if (statusCode >= 500) return 'failed';
  return statusCode >= 400 ? 'client_error' : 'success';
}

function writeRecord(
  log: Logger,
  level: 'error' | 'warn' | 'info',
  message: string,
  fields: LogFields,
): void {
  log[level](message, fields);
}

function isSkipped(settings: RequestLogSettings, req: IncomingMessage): boolean {
  if (settings.skipWhen !== undefined) {
    try {
      return settings.skipWhen(req) === true;
    } catch {
      return false;
    }
  }
  if (settings.skipPaths === undefined) return false;
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return settings.skipPaths.has(query === -1 ? url : url.slice(0, query));
}

/** A `Content-Length` header value as a number (undefined when absent or not a number). */
export function contentLength(header: unknown): number | undefined {
  const bytes = typeof header === 'string' ? Number(header) : header;
  return typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0 ? bytes : undefined;
}

function pickHeaders(settings: RequestLogSettings, headers: IncomingHttpHeaders): Record<string, unknown> {
  if (settings.allHeaders) return { ...headers };
  const picked: Record<string, unknown> = {};
  for (const name of settings.headerNames ?? []) {
    if (headers[name] !== undefined) picked[name] = headers[name];
  }
  return picked;
}
