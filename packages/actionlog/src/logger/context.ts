import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The raw fields of the current `withContext` scope (nested scopes merged). Kept raw, not
 * serialized, because one scope may be read by loggers with different masking settings.
 */
export const contextStorage = new AsyncLocalStorage<Readonly<Record<string, unknown>>>();

/**
 * Runs `fn` with `fields` (session_id, request_id, user_id, …) on every record logged by any
 * logger in everything `fn` calls, across `await`, timers and callbacks.
 */
export function withContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  const parent = contextStorage.getStore();
  return contextStorage.run(parent ? { ...parent, ...fields } : { ...fields }, fn);
}

/** The fields of the current context scope, if any. */
export function currentContext(): Readonly<Record<string, unknown>> | undefined {
  return contextStorage.getStore();
}

/** The ids of the active tracing span, as records carry them. */
export interface TraceIds {
  trace_id: string;
  span_id: string;
}

let traceIdsProvider: (() => TraceIds | undefined) | undefined;

/**
 * Installs the function that gives every record the active span's `trace_id`/`span_id` (when the
 * record has no `trace_id` of its own); `undefined` removes it. `actionlog/otel` installs one for
 * OpenTelemetry, so the core never loads a tracer itself.
 */
export function setTraceIdsProvider(provider: (() => TraceIds | undefined) | undefined): void {
  traceIdsProvider = provider;
}

/** The active span's ids, when a provider is installed and a span is active. Never throws. */
export function activeTraceIds(): TraceIds | undefined {
  if (traceIdsProvider === undefined) return undefined;
  try {
    return traceIdsProvider();
  } catch {
    return undefined;
  }
}
