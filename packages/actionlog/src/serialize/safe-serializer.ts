import type { Masker } from '../redact/masker.js';
import { quoteJson } from './json-string.js';
import type { SerializeLimits } from './limits.js';

const CIRCULAR = '"[Circular]"';
/** Characters past the string cap that masking still looks at. */
const MASK_SLACK = 256;
const THROWS = '"[Throws]"';
const MAX_DEPTH = '"[MaxDepth]"';

/**
 * Turns any value into JSON text without ever throwing: cycles, BigInt, Errors, Buffers,
 * Maps, Sets, invalid Dates, NaN, throwing getters and hostile Proxies all have a defined
 * output. Masking happens in the same walk: every key is checked against the sensitive-key
 * rules and every string goes through the value patterns.
 */
export class SafeSerializer {
  /** Ancestors of the value being written: a value found here again is a cycle. */
  private readonly ancestors: object[] = [];

  constructor(
    private readonly limits: SerializeLimits,
    private readonly masker: Masker,
  ) {}

  /** A string field: masked, capped, quoted. */
  string(text: string): string {
    const max = this.limits.maxStringLength;
    if (text.length <= max) return quoteJson(this.masker.maskString(text));
    // Mask a little past the cap, so a secret the cap cuts through is still recognised.
    const masked = this.masker.maskString(text.slice(0, max + MASK_SLACK));
    return quoteJson(masked.slice(0, max) + `…[+${text.length - max} chars]`);
  }

  /**
   * A name the application's code chose (category, logger, action, service): capped and quoted
   * but not run through the value patterns, which cost more than these short names ever need.
   */
  identifier(text: string): string {
    return quoteJson(this.cap(text));
  }

  /** Any value as JSON text, or `undefined` when JSON has no value for it (functions, symbols, undefined). */
  value(value: unknown, path: string): string | undefined {
    try {
      return this.write(value, 0, path);
    } catch {
      this.ancestors.length = 0;
      return THROWS;
    }
  }

  /**
   * The members of an object as `"k":v,"k2":v2` (no braces), so that several sources can be
   * joined into one `data` object without building an intermediate object.
   */
  members(object: Record<string, unknown>, path: string): string {
    this.ancestors.push(object);
    try {
      return this.writeMembers(object, 1, path);
    } catch {
      return '"_unserializable":' + THROWS;
    } finally {
      this.ancestors.length = 0;
    }
  }

  /** One member `"key":value`, masked by key; empty when the value has no JSON form or its path is dropped. */
  member(key: string, value: unknown, path: string): string {
    try {
      return this.memberAt(key, value, 1, path);
    } catch {
      this.ancestors.length = 0;
      return quoteJson(key) + ':' + THROWS;
    }
  }

  private cap(text: string): string {
    const max = this.limits.maxStringLength;
    if (text.length <= max) return text;
    return text.slice(0, max) + `…[+${text.length - max} chars]`;
  }

  private write(value: unknown, depth: number, path: string): string | undefined {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'number':
        return Number.isFinite(value) ? String(value) : 'null';
      case 'boolean':
        return value ? 'true' : 'false';
      case 'bigint':
        return '"' + value.toString() + '"';
      case 'object':
        return value === null ? 'null' : this.writeObject(value, depth, path);
      default:
        // undefined, functions and symbols have no JSON value, as in JSON.stringify.
        return undefined;
    }
  }

  private writeObject(object: object, depth: number, path: string): string {
    if (this.ancestors.includes(object)) return CIRCULAR;
    if (depth >= this.limits.maxDepth) return MAX_DEPTH;
    this.ancestors.push(object);
    try {
      return this.writeObjectBody(object, depth, path);
    } catch {
      return THROWS;
    } finally {
      this.ancestors.pop();
    }
  }

  private writeObjectBody(object: object, depth: number, path: string): string {
    if (Array.isArray(object)) return this.writeArray(object, depth, path);
    if (object instanceof Date) {
      const time = object.getTime();
      return Number.isNaN(time) ? '"[Invalid Date]"' : '"' + object.toISOString() + '"';
    }
    if (object instanceof Error) return '{' + this.writeMembers(errorAsObject(object), depth + 1, path) + '}';
    if (ArrayBuffer.isView(object)) {
      const name = object.constructor?.name ?? 'TypedArray';
      return `"[${name} ${object.byteLength} bytes]"`;
    }
    if (object instanceof ArrayBuffer) return `"[ArrayBuffer ${object.byteLength} bytes]"`;
    if (object instanceof Map) return this.writeMap(object, depth, path);
    if (object instanceof Set) return this.writeArray([...object], depth, path);
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const replaced = toJSON.call(object);
      if (replaced !== object) return this.write(replaced, depth + 1, path) ?? 'null';
    }
    return '{' + this.writeMembers(object as Record<string, unknown>, depth + 1, path) + '}';
  }

  private writeArray(array: readonly unknown[], depth: number, path: string): string {
    let out = '[';
    for (let i = 0; i < array.length; i++) {
      if (i > 0) out += ',';
      let item: unknown;
      try {
        item = array[i];
      } catch {
        out += THROWS;
        continue;
      }
      out += this.write(item, depth + 1, path) ?? 'null';
    }
    return out + ']';
  }

  private writeMap(map: Map<unknown, unknown>, depth: number, path: string): string {
    let out = '';
    for (const [key, item] of map) {
      // Map keys are data, not names chosen in code: they are masked like values.
      const name = this.masker.maskString(typeof key === 'string' ? key : safeString(key));
      const member = this.memberAt(name, item, depth + 1, path);
      if (member) out += (out ? ',' : '') + member;
    }
    return '{' + out + '}';
  }

  private writeMembers(object: Record<string, unknown>, depth: number, path: string): string {
    let out = '';
    for (const key of Object.keys(object)) {
      let item: unknown;
      try {
        item = object[key];
      } catch {
        out += (out ? ',' : '') + quoteJson(key) + ':' + THROWS;
        continue;
      }
      const member = this.memberAt(key, item, depth, path);
      if (member) out += (out ? ',' : '') + member;
    }
    return out;
  }

  private memberAt(key: string, item: unknown, depth: number, path: string): string {
    const dropping = this.masker.dropPaths.size > 0;
    const memberPath = dropping ? path + '.' + key : path;
    if (dropping && this.masker.dropPaths.has(memberPath)) return '';
    if (this.masker.isSensitiveKey(key)) return quoteJson(key) + ':' + quoteJson(this.masker.replacement);
    const json = this.write(item, depth, memberPath);
    return json === undefined ? '' : quoteJson(key) + ':' + json;
  }
}

/** An Error as the record's `error` object: `{type, message, stack, code?, cause?, ...own fields}`. */
export function errorAsObject(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: safeErrorName(error),
    message: typeof error.message === 'string' ? error.message : safeString(error.message),
  };
  if (typeof error.stack === 'string') out.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  for (const key of Object.keys(error)) {
    if (key === 'stack' || key === 'message' || key === 'code' || key === 'name' || key === 'cause') continue;
    out[key] = (error as unknown as Record<string, unknown>)[key];
  }
  if ('cause' in error && error.cause !== undefined) out.cause = error.cause;
  if (error instanceof AggregateError && Array.isArray(error.errors)) out.errors = error.errors;
  return out;
}

function safeErrorName(error: Error): string {
  const name = error.name;
  if (typeof name === 'string' && name) return name;
  return error.constructor?.name ?? 'Error';
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[Throws]';
  }
}
