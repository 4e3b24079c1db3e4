import type { z } from 'zod';

/** Keys allowed at `path` in `schema`, for "unknown key" messages. */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (const key of [...path, undefined]) {
    current = unwrap(current);
    const shape = (current as { shape?: Record<string, unknown> })?.shape;
    if (key === undefined) return shape ? Object.keys(shape) : [];
    if (shape && typeof key === 'string' && key in shape) current = shape[key];
    else if (typeof key === 'number') current = (current as { element?: unknown })?.element;
    else return [];
  }
  return [];
}

function unwrap(schema: unknown): unknown {
  let current = schema as { _zod?: { def?: Record<string, unknown> } } | undefined;
  for (let i = 0; i < 10 && current?._zod?.def; i++) {
    const def = current._zod.def;
    if (def.type === 'union') {
      const options = def.options as unknown[];
      const object = options.find((option) => (unwrap(option) as { shape?: unknown })?.shape);
      current = object as typeof current;
      continue;
    }
    const inner = (def.innerType ?? def.in) as typeof current;
    if (!inner) break;
    current = inner;
  }
  return current;
}

/** `file.maxSize` for a path. */
export function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** One line per problem, naming the key, the value given and what is allowed. */
export function describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue, root: unknown): string[] {
  const where = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(schema, issue.path);
    return issue.keys.map((key) => {
      const full = where ? `${where}.${key}` : key;
      const guess = closest(key, allowed);
      return (
        `${full}: unknown key` +
        (guess ? ` (did you mean "${guess}"?)` : '') +
        (allowed.length ? `; allowed keys: ${allowed.filter((k) => k !== '$schema').join(', ')}` : '')
      );
    });
  }
  const given = valueAt(root, issue.path);
  const got = given === undefined ? '' : `got ${showValue(given)}; `;
  if (issue.code === 'invalid_value') {
    return [`${where}: ${got}allowed: ${issue.values.map((v) => String(v)).join(', ')}`];
  }
  if (issue.code === 'invalid_type') {
    return [`${where}: ${got}expected ${issue.expected}`];
  }
  if (issue.code === 'invalid_union') {
    return [`${where}: ${got}${issue.message}`];
  }
  return [`${where || '(config)'}: ${got}${issue.message}`];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function showValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + '...' : text;
}

/** The allowed key nearest to a misspelt one (edit distance at most 3), for "did you mean". */
export function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length];
}
