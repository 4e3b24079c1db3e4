import { parseDuration } from './duration.js';
import { QueryError } from './errors.js';

export type TokenKind =
  | 'word' // identifiers and keywords: filter, service, and, true
  | 'path' // a dotted or backquoted field path: error.message, `data.odd-key`
  | 'string'
  | 'number'
  | 'duration'
  | 'regex'
  | 'op' // = != < <= > >=
  | 'punct' // | , ( ) [ ]
  | 'end';

export interface Token {
  kind: TokenKind;
  /** As written, for messages. */
  text: string;
  /** 1-based column of the first character. */
  column: number;
  /** string: the decoded text; number/duration: the value (ms for durations); path: the segments. */
  value?: string | number | string[];
  /** regex: the flags. */
  flags?: string;
}

const IDENT_START = /[A-Za-z_@$]/;
const IDENT_PART = /[A-Za-z0-9_@$]/;
const REGEX_FLAGS = /^[dgimsuy]*$/;

/** Splits a pipeline into tokens; throws a QueryError at the column of anything it cannot read. */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (detail: string, at: number): never => {
    throw new QueryError(detail, query, at + 1);
  };

  while (i < query.length) {
    const c = query[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'") {
      const { value, end } = readString(query, i, fail);
      tokens.push({ kind: 'string', text: query.slice(start, end), column: start + 1, value });
      i = end;
      continue;
    }
    if (c === '/') {
      const { pattern, flags, end } = readRegex(query, i, fail);
      tokens.push({ kind: 'regex', text: query.slice(start, end), column: start + 1, value: pattern, flags });
      i = end;
      continue;
    }
    if (
      isDigit(c) ||
      (c === '-' && isDigit(query[i + 1] ?? '')) ||
      (c === '.' && isDigit(query[i + 1] ?? ''))
    ) {
      i = readNumberOrDuration(query, i, tokens, fail);
      continue;
    }
    if (IDENT_START.test(c) || c === '`') {
      i = readPath(query, i, tokens, fail);
      continue;
    }
    const two = query.slice(i, i + 2);
    if (two === '!=' || two === '<=' || two === '>=' || two === '<>') {
      tokens.push({ kind: 'op', text: two === '<>' ? '!=' : two, column: start + 1 });
      i += 2;
      continue;
    }
    if (two === '==') {
      tokens.push({ kind: 'op', text: '=', column: start + 1 });
      i += 2;
      continue;
    }
    if (two === '&&') fail('use "and" to combine conditions, not "&&"', i);
    if (two === '||') fail('use "or" to combine conditions, not "||" ("|" separates stages)', i);
    if (c === '=' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c, column: start + 1 });
      i++;
      continue;
    }
    if (c === '!') fail('use "not" to negate a condition, or "!=" to compare', i);
    if ('|,()[]'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, column: start + 1 });
      i++;
      continue;
    }
    fail(`unexpected character ${JSON.stringify(c)}`, i);
  }
  tokens.push({ kind: 'end', text: 'end of query', column: query.length + 1 });
  return tokens;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function readString(query: string, start: number, fail: (d: string, at: number) => never) {
  const quote = query[start];
  let out = '';
  let i = start + 1;
  while (i < query.length) {
    const c = query[i];
    if (c === quote) return { value: out, end: i + 1 };
    if (c === '\\') {
      const next = query[i + 1];
      if (next === undefined) break;
      const simple: Record<string, string> = {
        n: '\n',
        t: '\t',
        r: '\r',
        b: '\b',
        f: '\f',
        '\\': '\\',
        '"': '"',
        "'": "'",
        '/': '/',
      };
      if (next in simple) {
        out += simple[next];
        i += 2;
        continue;
      }
      if (next === 'u') {
        const hex = query.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('expected 4 hex digits after \\u in a string', i);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 6;
        continue;
      }
      fail(`unknown escape \\${next} in a string (allowed: \\" \\' \\\\ \\/ \\n \\t \\r \\b \\f \\uXXXX)`, i);
    }
    out += c;
    i++;
  }
  return fail(`unterminated string: add the closing ${quote}`, start);
}

function readRegex(query: string, start: number, fail: (d: string, at: number) => never) {
  let i = start + 1;
  let inClass = false;
  while (i < query.length) {
    const c = query[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) break;
    else if (c === '\n') break;
    i++;
  }
  if (query[i] !== '/') fail('unterminated regular expression: add the closing /', start);
  const pattern = query.slice(start + 1, i);
  let end = i + 1;
  while (end < query.length && /[A-Za-z]/.test(query[end])) end++;
  const flags = query.slice(i + 1, end);
  if (!REGEX_FLAGS.test(flags) || new Set(flags).size !== flags.length) {
    fail(`unknown regular expression flags "${flags}" (allowed: i m s u)`, i + 1);
  }
  if (pattern === '') fail('empty regular expression', start);
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    fail(
      `invalid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`,
      start,
    );
  }
  return { pattern, flags: flags.replace(/[gy]/g, ''), end };
}

function readNumberOrDuration(
  query: string,
  start: number,
  tokens: Token[],
  fail: (d: string, at: number) => never,
): number {
  const match = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(query.slice(start))!;
  let end = start + match[0].length;
  const unitMatch = /^[A-Za-z_]+/.exec(query.slice(end));
  if (unitMatch) {
    const text = match[0] + unitMatch[0];
    const ms = parseDuration(text);
    if (ms === undefined)
      fail(`"${text}" is neither a number nor a duration (durations: 500ms 30s 5m 1h 7d 2w)`, start);
    end += unitMatch[0].length;
    tokens.push({ kind: 'duration', text, column: start + 1, value: ms });
    return end;
  }
  const value = Number(match[0]);
  if (!Number.isFinite(value)) fail(`number out of range: ${match[0]}`, start);
  tokens.push({ kind: 'number', text: match[0], column: start + 1, value });
  return end;
}

/** `name`, `a.b.c`, `` `odd key`.x `` — one token; a single plain word is a `word`. */
function readPath(
  query: string,
  start: number,
  tokens: Token[],
  fail: (d: string, at: number) => never,
): number {
  const segments: string[] = [];
  let quoted = false;
  let i = start;
  for (;;) {
    if (query[i] === '`') {
      const close = query.indexOf('`', i + 1);
      if (close === -1) fail('unterminated `quoted field`: add the closing `', i);
      if (close === i + 1) fail('empty `quoted field`', i);
      segments.push(query.slice(i + 1, close));
      quoted = true;
      i = close + 1;
    } else if (IDENT_START.test(query[i] ?? '')) {
      let end = i + 1;
      while (end < query.length && IDENT_PART.test(query[end])) end++;
      segments.push(query.slice(i, end));
      i = end;
    } else {
      fail('expected a field name after "."', i);
    }
    if (query[i] === '.' && (IDENT_START.test(query[i + 1] ?? '') || query[i + 1] === '`')) {
      i++;
      continue;
    }
    if (query[i] === '.') fail('expected a field name after "."', i + 1);
    break;
  }
  const text = query.slice(start, i);
  if (segments.length === 1 && !quoted)
    tokens.push({ kind: 'word', text, column: start + 1, value: segments });
  else tokens.push({ kind: 'path', text, column: start + 1, value: segments });
  return i;
}
