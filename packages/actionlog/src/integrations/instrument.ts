import type { Logger } from '../logger/logger.js';

export interface InstrumentOptions {
  /** Where the records go. */
  logger: Logger;
  /** The `service` of every record, e.g. `CaseService`. Default: the logger's. */
  service?: string;
  /** Only these methods. Default: every method of the object and its classes. */
  methods?: readonly string[];
  /** Never these methods. */
  exclude?: readonly string[];
  /** Record each call's arguments in `data.args` (masked by the logger's rules). Default: false. */
  args?: boolean;
}

/**
 * The object with every method turned into a tracked action: each call logs one record with
 * `action` (the method name), `service`, `status` success/failed, `duration_ms` and the error, for
 * sync and async methods alike. Calls still run on the original object (private fields work);
 * what methods return and throw is unchanged.
 *
 * ```js
 * const cases = instrument(new CaseService(db), { logger: log, service: 'CaseService' });
 * await cases.createCase(input); // → action "createCase", service "CaseService", duration_ms, status
 * ```
 */
export function instrument<T extends object>(target: T, options: InstrumentOptions): T {
  const log =
    options.service === undefined ? options.logger : options.logger.child({ service: options.service });
  const exclude = new Set(options.exclude ?? []);
  const names = options.methods ?? methodNames(target);
  const wrapped = new Map<PropertyKey, unknown>();
  for (const name of names) {
    const method = (target as Record<string, unknown>)[name];
    if (typeof method !== 'function' || exclude.has(name)) continue;
    const logArgs = options.args === true;
    wrapped.set(name, function tracked(this: unknown, ...args: unknown[]): unknown {
      return log.track(name, () => method.apply(target, args), logArgs ? { args } : undefined);
    });
  }
  // Methods left untracked still run on the original object, so that its private fields work.
  const bound = new WeakMap<object, unknown>();
  return new Proxy(target, {
    get(object, property) {
      const method = wrapped.get(property);
      if (method !== undefined) return method;
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      let bind = bound.get(value);
      if (bind === undefined) bound.set(value, (bind = value.bind(object)));
      return bind;
    },
  });
}

/** Names of the methods an object answers to, own and inherited, up to `Object.prototype`. */
function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let proto: object | null = target; proto !== null && proto !== Object.prototype; ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || names.has(name)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (descriptor !== undefined && typeof descriptor.value === 'function') names.add(name);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return [...names];
}
