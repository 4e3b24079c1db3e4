const DASH = 45;
const DOT = 46;
const UNDERSCORE = 95;

function isKeySeparator(code: number): boolean {
  return code === DASH || code === UNDERSCORE || code === DOT;
}

/** ASCII case folding only: key names are identifiers, and it keeps the comparison allocation-free. */
function foldCase(code: number): number {
  return code >= 65 && code <= 90 ? code | 32 : code;
}

/** A key as the char codes it is compared on: case folded, separators removed. */
export function normalizeKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (!isKeySeparator(code)) out += String.fromCharCode(foldCase(code));
  }
  return out;
}

interface KeyEntry {
  readonly codes: readonly number[];
  /** Matches at the end of a longer name too. */
  readonly suffix: boolean;
}

/**
 * Decides whether a field name is sensitive without allocating: names are compared
 * backwards, char by char, against the entries that share their last character. The same
 * check runs on a slice of a longer text (the word before `=` in `password=…`), which is
 * why it takes a range instead of a string.
 */
export class SensitiveKeys {
  /** Entries by the folded code of their last character (mod 128: a collision only costs a comparison). */
  private readonly byLastChar: KeyEntry[][] = [];
  /** Length of the shortest entry, so callers can skip texts too short to hold a name. */
  readonly shortest: number;

  constructor(exact: Iterable<string>, suffixes: Iterable<string>) {
    let shortest = Number.POSITIVE_INFINITY;
    const add = (key: string, suffix: boolean) => {
      const normalized = normalizeKey(key);
      if (normalized === '') return;
      const codes = Array.from({ length: normalized.length }, (_, i) => normalized.charCodeAt(i));
      const bucket = (this.byLastChar[codes[codes.length - 1] & 127] ??= []);
      bucket.push({ codes, suffix });
      shortest = Math.min(shortest, codes.length);
    };
    for (const key of exact) add(key, false);
    for (const key of suffixes) add(key, true);
    this.shortest = shortest;
  }

  /**
   * False when no sensitive name can end with this character: a cheap first check before
   * `matches`, for callers that would otherwise have to find where the name starts.
   */
  mayEndWith(code: number): boolean {
    return isKeySeparator(code) || this.byLastChar[foldCase(code) & 127] !== undefined;
  }

  /** True when `text[start, end)` names a sensitive field. */
  matches(text: string, start = 0, end = text.length): boolean {
    let last = end - 1;
    while (last >= start && isKeySeparator(text.charCodeAt(last))) last--;
    if (last < start) return false;
    const bucket = this.byLastChar[foldCase(text.charCodeAt(last)) & 127];
    if (bucket === undefined) return false;
    for (let i = 0; i < bucket.length; i++) {
      if (matchesEntry(bucket[i], text, start, last)) return true;
    }
    return false;
  }
}

function matchesEntry(entry: KeyEntry, text: string, start: number, last: number): boolean {
  const codes = entry.codes;
  let k = codes.length - 1;
  let p = last;
  while (k >= 0) {
    if (p < start) return false;
    const code = text.charCodeAt(p--);
    if (isKeySeparator(code)) continue;
    if (foldCase(code) !== codes[k--]) return false;
  }
  if (entry.suffix) return true;
  while (p >= start) {
    if (!isKeySeparator(text.charCodeAt(p--))) return false;
  }
  return true;
}
