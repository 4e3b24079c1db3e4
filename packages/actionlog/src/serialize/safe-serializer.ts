import type { Masker } from '../redact/masker.js';
import { quoteJson } from './json-string.js';
import type { SerializeLimits } from './limits.js';

const CIRCULAR = '"[Circular]"';
/** Characters past the string cap that masking still looks at. */
const MASK_SLACK = 256;
/** What a value that threw while being read becomes (a getter, a Proxy trap, a `toJSON`). */
const THROWN = '[Throws]';
const THROWS = '"[Throws]"';
const MAX_DEPTH = '"[MaxDepth]"';
/** The member that ends an object or Map cut short by the size budget: `"_truncated":"…[+N keys]"`. */
const CUT_KEY = '"_truncated":';

/** What `writeObjectBody` does with an object, decided from its prototype chain once (see `kindOf`). */
const PLAIN = 0;
const ARRAY = 1;
const DATE = 2;
const ERROR = 3;
const VIEW = 4;
const BUFFER = 5;
const MAP = 6;
const SET = 7;

/**
 * Turns any value into JSON text without ever throwing: cycles, BigInt, Errors, Buffers,
 * Maps, Sets, invalid Dates, NaN, throwing getters and hostile Proxies all have a defined
 * output, and what throws is marked `"[Throws]"` where it is (one member, one item), not
 * around it. Masking happens in the same walk: every key is checked against the
 * sensitive-key rules and every string goes through the value patterns.
 *
 * Objects contribute their own enumerable string keys only, as in `JSON.stringify`.
 *
 * Work is bounded: one call (`value`, `member`, `members`) writes at most about
 * `maxRecordBytes` characters. Past that, what is left of an object, array, Map or Set is not
 * read; it ends with a marker (`"_truncated":"…[+N keys]"`, `"…[+N items]"`). A value that
 * long makes the line longer than `maxRecordBytes` anyway, and the logger then writes the
 * record without its data, so the cut never shows in a record that would have been kept whole.
 */
export class SafeSerializer {
  /** Ancestors of the value being written: a value found here again is a cycle. */
  private readonly ancestors: object[] = [];
  /**
   * Characters the current call may still write. Containers check it before each member and,
   * after each one, set it from the value before that member less the member's exact length,
   * so nested members are counted once.
   */
  private left = 0;

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
    this.left = this.limits.maxRecordBytes;
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
    this.left = this.limits.maxRecordBytes;
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
    this.left = this.limits.maxRecordBytes;
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
    let kind: number;
    try {
      kind = kindOf(object);
    } catch {
      // A Proxy whose getPrototypeOf trap throws: what can be read of it is its own members.
      kind = PLAIN;
    }
    switch (kind) {
      case ARRAY:
        return this.writeArray(object as unknown[], depth, path);
      case DATE: {
        const time = (object as Date).getTime();
        return Number.isNaN(time) ? '"[Invalid Date]"' : '"' + (object as Date).toISOString() + '"';
      }
      case ERROR:
        return this.writeError(object as Error, depth, path);
      case VIEW:
        return `"[${safeConstructorName(object, 'TypedArray')} ${(object as ArrayBufferView).byteLength} bytes]"`;
      case BUFFER:
        return `"[ArrayBuffer ${(object as ArrayBuffer).byteLength} bytes]"`;
      case MAP:
        return this.writeMap(object as Map<unknown, unknown>, depth, path);
      case SET:
        return this.writeSet(object as Set<unknown>, depth, path);
    }
    // A toJSON lookup that throws marks the whole value (see writeObject): members are not written
    // in its place, since a toJSON is often what keeps them out of a log.
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const replaced = toJSON.call(object);
      if (replaced !== object) return this.write(replaced, depth + 1, path) ?? 'null';
    }
    return '{' + this.writeMembers(object as Record<string, unknown>, depth + 1, path) + '}';
  }

  private writeError(error: Error, depth: number, path: string): string {
    const fields = errorAsObject(error, Math.max(0, this.left) / 4);
    return '{' + this.writeMembers(fields, depth + 1, path) + '}';
  }

  private writeArray(array: readonly unknown[], depth: number, path: string): string {
    const length = array.length;
    let out = '[';
    for (let i = 0; i < length; i++) {
      if (i > 0) out += ',';
      if (this.left < 0) return out + `"…[+${length - i} items]"]`;
      const before = this.left;
      let item: unknown;
      try {
        item = array[i];
      } catch {
        out += THROWS;
        continue;
      }
      const json = this.write(item, depth + 1, path) ?? 'null';
      out += json;
      this.left = before - json.length - 1;
    }
    return out + ']';
  }

  private writeSet(set: Set<unknown>, depth: number, path: string): string {
    const size = set.size;
    let out = '[';
    let i = 0;
    for (const item of set) {
      if (i > 0) out += ',';
      if (this.left < 0) return out + `"…[+${size - i} items]"]`;
      const before = this.left;
      const json = this.write(item, depth + 1, path) ?? 'null';
      out += json;
      this.left = before - json.length - 1;
      i++;
    }
    return out + ']';
  }

  private writeMap(map: Map<unknown, unknown>, depth: number, path: string): string {
    const size = map.size;
    let out = '';
    let i = 0;
    for (const [key, item] of map) {
      if (this.left < 0) {
        out += (out ? ',' : '') + CUT_KEY + `"…[+${size - i} entries]"`;
        break;
      }
      i++;
      const before = this.left;
      // Map keys are data, not names chosen in code: they are masked like values.
      const name = this.masker.maskString(typeof key === 'string' ? key : safeString(key));
      const member = this.memberAt(name, item, depth + 1, path);
      if (member) {
        out += (out ? ',' : '') + member;
        this.left = before - member.length - 1;
      }
    }
    return '{' + out + '}';
  }

  private writeMembers(object: Record<string, unknown>, depth: number, path: string): string {
    let keys: string[];
    try {
      keys = Object.keys(object);
    } catch {
      // A Proxy whose getOwnPropertyDescriptor trap throws fails Object.keys as a whole.
      return this.writeMembersOneByOne(object, depth, path);
    }
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      if (this.left < 0) return out + (out ? ',' : '') + CUT_KEY + `"…[+${keys.length - i} keys]"`;
      const before = this.left;
      const key = keys[i];
      let item: unknown;
      try {
        item = object[key];
      } catch {
        out += (out ? ',' : '') + quoteJson(key) + ':' + THROWS;
        continue;
      }
      const member = this.memberAt(key, item, depth, path);
      if (member) {
        out += (out ? ',' : '') + member;
        this.left = before - member.length - 1;
      }
    }
    return out;
  }

  /**
   * Own enumerable members read one step at a time (keys, then each key's descriptor, then its
   * value), as `JSON.stringify` does, so a step that throws marks that member only. Only an
   * object whose key list cannot be read at all throws from here.
   */
  private writeMembersOneByOne(object: Record<string, unknown>, depth: number, path: string): string {
    const keys = Reflect.ownKeys(object);
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key !== 'string') continue;
      if (this.left < 0) return out + (out ? ',' : '') + CUT_KEY + `"…[+${keys.length - i} keys]"`;
      const before = this.left;
      let member: string;
      try {
        const descriptor = Reflect.getOwnPropertyDescriptor(object, key);
        if (descriptor === undefined || !descriptor.enumerable) continue;
        member = this.memberAt(key, object[key], depth, path);
      } catch {
        member = quoteJson(key) + ':' + THROWS;
      }
      if (member) {
        out += (out ? ',' : '') + member;
        this.left = before - member.length - 1;
      }
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

/** Which writer an object needs. Throws for a Proxy whose getPrototypeOf trap throws (or a revoked one). */
function kindOf(object: object): number {
  if (Array.isArray(object)) return ARRAY;
  if (object instanceof Date) return DATE;
  if (object instanceof Error) return ERROR;
  if (ArrayBuffer.isView(object)) return VIEW;
  if (object instanceof ArrayBuffer) return BUFFER;
  if (object instanceof Map) return MAP;
  if (object instanceof Set) return SET;
  return PLAIN;
}

/**
 * An Error as the record's `error` object: `{type, message, stack, code?, cause?, ...own fields}`.
 * At most `maxOwnKeys` own fields are copied (the caller's size budget); the rest are counted in a
 * `_truncated` member. When reading any part throws (a `stack` getter, a Proxy trap), every part
 * is read again on its own: the one that throws becomes `"[Throws]"` and the rest is kept.
 */
export function errorAsObject(error: Error, maxOwnKeys = Number.POSITIVE_INFINITY): Record<string, unknown> {
  try {
    const message = error.message;
    const out: Record<string, unknown> = {
      type: safeErrorName(error),
      message: typeof message === 'string' ? message : String(message),
    };
    const stack = error.stack;
    if (typeof stack === 'string') out.stack = stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') out.code = code;
    const keys = Object.keys(error);
    let copied = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === 'stack' || key === 'message' || key === 'code' || key === 'name' || key === 'cause')
        continue;
      if (copied++ >= maxOwnKeys) {
        out._truncated = `…[+${keys.length - i} keys]`;
        break;
      }
      out[key] = (error as unknown as Record<string, unknown>)[key];
    }
    if ('cause' in error && error.cause !== undefined) out.cause = error.cause;
    if (error instanceof AggregateError && Array.isArray(error.errors)) out.errors = error.errors;
    return out;
  } catch {
    return hostileErrorAsObject(error, maxOwnKeys);
  }
}

/** `errorAsObject` for an Error some part of which throws when read: each part read on its own. */
function hostileErrorAsObject(error: Error, maxOwnKeys: number): Record<string, unknown> {
  const message = read(error, 'message');
  const out: Record<string, unknown> = {
    type: safeErrorName(error),
    message: typeof message === 'string' ? message : safeString(message),
  };
  const stack = read(error, 'stack');
  if (typeof stack === 'string') out.stack = stack;
  const code = read(error, 'code');
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  let keys: string[];
  try {
    keys = Object.keys(error);
  } catch {
    keys = [];
  }
  let copied = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'stack' || key === 'message' || key === 'code' || key === 'name' || key === 'cause') continue;
    if (copied++ >= maxOwnKeys) {
      out._truncated = `…[+${keys.length - i} keys]`;
      break;
    }
    out[key] = read(error, key);
  }
  let hasCause: boolean;
  try {
    hasCause = 'cause' in error;
  } catch {
    hasCause = false;
  }
  if (hasCause) {
    const cause = read(error, 'cause');
    if (cause !== undefined) out.cause = cause;
  }
  const errors = isAggregate(error) ? read(error, 'errors') : undefined;
  if (Array.isArray(errors)) out.errors = errors;
  return out;
}

function isAggregate(error: Error): boolean {
  try {
    return error instanceof AggregateError;
  } catch {
    return false;
  }
}

/** `object[key]`, or the `[Throws]` marker when reading it throws. */
function read(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return THROWN;
  }
}

function safeErrorName(error: Error): string {
  try {
    const name = error.name;
    if (typeof name === 'string' && name) return name;
  } catch {
    // A throwing name getter: the class name says as much.
  }
  return safeConstructorName(error, 'Error');
}

function safeConstructorName(object: object, fallback: string): string {
  try {
    const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name ? name : fallback;
  } catch {
    return fallback;
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return THROWN;
  }
}
