import { createRequire } from 'node:module';
import { setTraceIdsProvider, type TraceIds } from '../../logger/context.js';

/** What this module reads from a span: the shape of `@opentelemetry/api`'s `SpanContext`. */
interface SpanContextLike {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** The two members of `@opentelemetry/api` used here, so a caller may pass its own copy. */
export interface OpenTelemetryApi {
  trace: { getActiveSpan(): { spanContext(): SpanContextLike } | undefined };
  isSpanContextValid(spanContext: SpanContextLike): boolean;
}

let autoTried = false;

/**
 * Fills `trace_id` and `span_id` of every record (that has no `trace_id` of its own) from the
 * active OpenTelemetry span. Uses `api`, or loads `@opentelemetry/api` when omitted. Returns false,
 * and changes nothing, when the API is not installed.
 */
export function enableOpenTelemetry(api?: OpenTelemetryApi): boolean {
  const otel = api ?? loadApi();
  if (otel === undefined) return false;
  // A span keeps the same SpanContext object, so consecutive records in one span reuse the ids.
  let lastContext: SpanContextLike | undefined;
  let lastIds: TraceIds | undefined;
  setTraceIdsProvider(() => {
    const span = otel.trace.getActiveSpan();
    if (span === undefined) return undefined;
    const context = span.spanContext();
    if (context === lastContext) return lastIds;
    lastContext = context;
    lastIds = otel.isSpanContextValid(context)
      ? { trace_id: context.traceId, span_id: context.spanId }
      : undefined;
    return lastIds;
  });
  return true;
}

/** Stops filling trace ids from OpenTelemetry. */
export function disableOpenTelemetry(): void {
  setTraceIdsProvider(undefined);
}

/**
 * Called by the integrations: enables OpenTelemetry once per process if `@opentelemetry/api` is
 * installed, silently otherwise.
 */
export function enableOpenTelemetryIfInstalled(): void {
  if (autoTried) return;
  autoTried = true;
  enableOpenTelemetry();
}

function loadApi(): OpenTelemetryApi | undefined {
  try {
    // Its CommonJS build: a copy separate from an ESM import of it shares the registered context
    // manager through the API's process-wide global, by design of @opentelemetry/api.
    const api = createRequire(import.meta.url)('@opentelemetry/api') as Partial<OpenTelemetryApi>;
    return typeof api.trace?.getActiveSpan === 'function' && typeof api.isSpanContextValid === 'function'
      ? (api as OpenTelemetryApi)
      : undefined;
  } catch {
    return undefined;
  }
}
