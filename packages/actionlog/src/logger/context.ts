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
