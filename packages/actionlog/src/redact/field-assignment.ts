/**
 * Finding `name=value`, `name: value` and `"name":"value"` in free text. The trigger scan and
 * the secret-params rule both locate the name from its separator with these functions, so
 * they always agree on what a name is.
 */

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const APOSTROPHE = 39;
const BACKSLASH = 92;

/** Characters of a field name in text: ASCII letters, digits, `_`, `-`, `.` (so `--db.password` is one name). */
export function isNameChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 45 ||
    code === 46
  );
}

/**
 * The end (exclusive) of the name standing before the separator at `separator`, looking past
 * spaces and one closing quote, plain (`"password":`) or escaped (`\"password\":`); -1 when
 * no name stands there.
 */
export function nameEndBefore(text: string, separator: number): number {
  let p = separator - 1;
  while (p >= 0 && (text.charCodeAt(p) === SPACE || text.charCodeAt(p) === TAB)) p--;
  if (p >= 0 && (text.charCodeAt(p) === QUOTE || text.charCodeAt(p) === APOSTROPHE)) {
    p--;
    if (p >= 0 && text.charCodeAt(p) === BACKSLASH) p--;
  }
  return p >= 0 && isNameChar(text.charCodeAt(p)) ? p + 1 : -1;
}

/** The start of the name ending at `end`. */
export function nameStartBefore(text: string, end: number): number {
  let p = end - 1;
  while (p >= 0 && isNameChar(text.charCodeAt(p))) p--;
  return p + 1;
}

/** Authorization schemes kept in front of a masked value, so `Authorization: Bearer [MASKED]` still says what it was. */
const SCHEMES = ['bearer', 'basic', 'digest', 'token'];

/** Where a value ends when it is not quoted: at whitespace or a character that closes a field in common formats. */
function endsUnquoted(code: number): boolean {
  return (
    code <= SPACE ||
    code === QUOTE ||
    code === APOSTROPHE ||
    code === 38 || // &
    code === 44 || // ,
    code === 59 || // ;
    code === 60 || // <
    code === 62 || // >
    code === 41 || // )
    code === 93 || // ]
    code === 125 || // }
    code === 96 // `
  );
}

/**
 * The value that follows the separator at `separator`, as `[start, end)`, without its quotes
 * and without an authorization scheme; undefined when empty. An unterminated quote runs to the
 * end of the text: a truncated `{"password":"hunt` still hides `hunt`.
 */
export function valueAfter(text: string, separator: number): [number, number] | undefined {
  const n = text.length;
  let p = separator + 1;
  while (p < n && (text.charCodeAt(p) === SPACE || text.charCodeAt(p) === TAB)) p++;
  if (p >= n) return undefined;
  const first = text.charCodeAt(p);
  let start: number;
  let end: number;
  if (first === QUOTE) {
    start = end = p + 1;
    while (end < n && text.charCodeAt(end) !== QUOTE) end += text.charCodeAt(end) === BACKSLASH ? 2 : 1;
    end = Math.min(end, n);
  } else if (first === BACKSLASH && text.charCodeAt(p + 1) === QUOTE) {
    start = p + 2;
    end = text.indexOf('\\"', start);
    if (end < 0) end = n;
  } else if (first === APOSTROPHE) {
    start = p + 1;
    end = text.indexOf("'", start);
    if (end < 0) end = n;
  } else {
    start = p + schemeLength(text, p);
    end = start;
    while (end < n && !endsUnquoted(text.charCodeAt(end))) end++;
  }
  return end > start ? [start, end] : undefined;
}

/** Length of a leading `Bearer ` (any case, any number of spaces after it), or 0. */
function schemeLength(text: string, at: number): number {
  for (const scheme of SCHEMES) {
    let p = at + scheme.length;
    if (text.charCodeAt(p) !== SPACE || text.slice(at, p).toLowerCase() !== scheme) continue;
    while (text.charCodeAt(p) === SPACE) p++;
    return p - at;
  }
  return 0;
}
