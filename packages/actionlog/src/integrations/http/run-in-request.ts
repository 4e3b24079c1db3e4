import { contextStorage } from '../../logger/context.js';
import type { RequestScope } from './request-log.js';

/**
 * Runs `fn` in the request's context scope (laid over any scope already active), so every record
 * its handlers log carries the `request_id`.
 */
export function runInRequest<A extends unknown[], R>(
  scope: RequestScope,
  fn: (...args: A) => R,
  ...args: A
): R {
  const parent = contextStorage.getStore();
  return contextStorage.run(parent ? { ...parent, ...scope.context } : scope.context, fn, ...args);
}
