import type { FieldRef, Literal } from './ast.js';

/**
 * Value semantics shared by every backend, so that the JS and SQL compilers agree:
 * - a missing field and a JSON null are the same (`= null` matches both; `exists` neither);
 * - `=`/`in` are typed: `"500"` does not equal `500`;
 * - `< <= > >=` compare numbers with numbers and strings with strings, else false;
 * - ordering across types is SQLite's: null, then numbers (true/false as 1/0), then strings.
 */

export type Getter = (row: Record<string, unknown>) => unknown;

const hasOwn = Object.prototype.hasOwnProperty;

/** A getter for a record path (`error.message`) that never reads inherited properties or array members. */
export function pathGetter(path: readonly string[]): Getter {
  if (path.length === 1) {
    const [a] = path;
    return (row) => (hasOwn.call(row, a) ? row[a] : undefined);
  }
  if (path.length === 2) {
    const [a, b] = path;
    return (row) => {
      const inner = hasOwn.call(row, a) ? row[a] : undefined;
      return isObject(inner) && hasOwn.call(inner, b) ? inner[b] : undefined;
    };
  }
  return (row) => {
    let value: unknown = row;
    for (const key of path) {
      if (!isObject(value) || !hasOwn.call(value, key)) return undefined;
      value = value[key];
    }
    return value;
  };
}

/** A getter for a flat column (after `stats`, or shown by `fields`): the name is one key, dots and all. */
export function columnGetter(field: FieldRef): Getter {
  const key = field.text;
  return (row) => (hasOwn.call(row, key) ? row[key] : undefined);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNullish(value: unknown): boolean {
  return value === undefined || value === null;
}

export function equalsLiteral(value: unknown, literal: Literal): boolean {
  if (literal === null) return value === undefined || value === null;
  return value === literal;
}

/** Rank of a value's type in the sort order (SQLite: NULL < INTEGER/REAL < TEXT). */
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' || typeof value === 'boolean') return 1;
  return 2;
}

function sortable(value: unknown): number | string {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Total order for sort and group output, the same as SQLite's for the values a query can produce. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb || ra === 0) return ra - rb;
  const va = sortable(a);
  const vb = sortable(b);
  return va < vb ? -1 : va > vb ? 1 : 0;
}

/** A key under which equal values (by query semantics) collide and different ones do not. */
export function distinctKey(value: unknown): string | number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return 's' + value;
  if (typeof value === 'boolean') return value ? 'b1' : 'b0';
  return 'j' + JSON.stringify(value);
}

const NON_ASCII = /[^\x00-\x7f]/;
const UPPER_ASCII = /[A-Z]/g;

/** Lower-cases A–Z only, as SQLite's lower() does, so full-text matching is the same in SQL. */
export function lowerAscii(text: string): string {
  return NON_ASCII.test(text) ? text.replace(UPPER_ASCII, (c) => c.toLowerCase()) : text.toLowerCase();
}

/** The term as it appears inside a JSON string in a line (quotes, backslashes, control characters escaped). */
export function jsonEscaped(term: string): string {
  return JSON.stringify(term).slice(1, -1);
}

/** The needle a full-text term is searched for in a (lower-cased) line. */
export function textNeedle(term: string): string {
  return lowerAscii(jsonEscaped(term));
}
