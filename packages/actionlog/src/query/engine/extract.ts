import type { Row } from '../ast.js';

/**
 * Reads a few top-level fields straight from compact JSON lines, without JSON.parse (about 3x
 * faster on typical records). It answers only when the answer is certain, and returns
 * undefined otherwise so the caller parses the line:
 *
 * - `"key":` preceded by `,` or `{` is always a key (inside a string a quote is escaped), and it
 *   is a top-level key when no `{` or `[` comes before it in the line; the search is for `key":`
 *   (V8 finds a pattern several times faster when it does not start with the ubiquitous `"`);
 * - the key appears once in the line (no nested or duplicate key of that name);
 * - the value is a string without escapes, a number, true, false or null;
 * - a key that does not occur even as `key"` anywhere in the line is absent;
 * - the line starts with `{`, ends with `}` and has as many `{` as `}`, so a torn line goes to
 *   JSON.parse, which reports it (braces inside strings only send a line to the slow path).
 *
 * Works over a whole chunk of lines: every search continues from where the previous line's
 * search stopped, so each pattern is looked for once per chunk, not once per line.
 */
export class FieldExtractor {
  private readonly patterns: string[];
  private readonly quoted: string[];
  /** Per pattern: its next occurrence at or after the current line, -1 if none left, -2 unknown. */
  private readonly nextPattern: number[];
  private readonly nextQuoted: number[];
  private nextOpen = -2;
  private nextBracket = -2;
  private text = '';

  constructor(readonly keys: readonly string[]) {
    this.patterns = keys.map((key) => `${key}":`);
    this.quoted = keys.map((key) => `${key}"`);
    this.nextPattern = keys.map(() => -2);
    this.nextQuoted = keys.map(() => -2);
  }

  /** Starts a new chunk: the lines passed to `read` must then come in order. */
  reset(text: string): void {
    this.text = text;
    this.nextPattern.fill(-2);
    this.nextQuoted.fill(-2);
    this.nextOpen = -2;
    this.nextBracket = -2;
  }

  /** The fields of the line `text[start, end)`, or undefined when only JSON.parse can tell. */
  read(start: number, end: number): Row | undefined {
    const text = this.text;
    if (text.charCodeAt(start) !== 123 /* { */ || text.charCodeAt(end - 1) !== 125 /* } */) return undefined;
    this.nextOpen = seek(text, '{', this.nextOpen, start + 1);
    this.nextBracket = seek(text, '[', this.nextBracket, start);
    let nested = end;
    if (this.nextOpen !== -1 && this.nextOpen < nested) nested = this.nextOpen;
    if (this.nextBracket !== -1 && this.nextBracket < nested) nested = this.nextBracket;
    if (!bracesBalance(text, nested, end)) return undefined;
    const row: Row = {};
    const keys = this.keys;
    for (let k = 0; k < keys.length; k++) {
      const pattern = this.patterns[k];
      const at = (this.nextPattern[k] = seek(text, pattern, this.nextPattern[k], start));
      if (at === -1 || at >= end) {
        const quoted = (this.nextQuoted[k] = seek(text, this.quoted[k], this.nextQuoted[k], start));
        if (quoted !== -1 && quoted < end) return undefined;
        continue;
      }
      if (at > nested || text.charCodeAt(at - 1) !== 34 /* " */) return undefined;
      const before = text.charCodeAt(at - 2);
      if (before !== 44 /* , */ && before !== 123 /* { */) return undefined;
      const value = at + pattern.length;
      const again = (this.nextPattern[k] = text.indexOf(pattern, value));
      if (again !== -1 && again < end) return undefined;
      const c = text.charCodeAt(value);
      if (c === 34 /* " */) {
        const close = text.indexOf('"', value + 1);
        if (close === -1 || close >= end) return undefined;
        const string = text.slice(value + 1, close);
        if (string.indexOf('\\') !== -1) return undefined;
        row[keys[k]] = string;
        continue;
      }
      let stop = value;
      while (stop < end) {
        const d = text.charCodeAt(stop);
        if (d === 44 || d === 125) break;
        stop++;
      }
      const literal = text.slice(value, stop);
      if (c === 116 /* t */ || c === 102 /* f */ || c === 110 /* n */) {
        if (literal === 'true') row[keys[k]] = true;
        else if (literal === 'false') row[keys[k]] = false;
        else if (literal === 'null') row[keys[k]] = null;
        else return undefined;
        continue;
      }
      if ((c >= 48 && c <= 57) || c === 45 /* - */) {
        const number = Number(literal);
        if (Number.isNaN(number) || literal.trim() !== literal) return undefined;
        row[keys[k]] = number;
        continue;
      }
      return undefined;
    }
    return row;
  }
}

/** The next occurrence of `needle` at or after `from`, reusing `known` when it is still ahead. */
function seek(text: string, needle: string, known: number, from: number): number {
  if (known === -1 || known >= from) return known;
  return text.indexOf(needle, from);
}

/**
 * As many `}` as `{` from the first nested opener on (before it there is no `{` but the opening
 * one, and a `}` there could only be inside a string: counting it or not only decides whether
 * the line takes the slow path). The closing brace at `end - 1` is always counted.
 */
function bracesBalance(text: string, nested: number, end: number): boolean {
  let open = 1;
  let at = nested;
  while ((at = text.indexOf('{', at)) !== -1 && at < end) {
    open++;
    at++;
  }
  let close = 0;
  at = Math.min(nested, end - 1);
  while ((at = text.indexOf('}', at)) !== -1 && at < end) {
    close++;
    at++;
  }
  return open === close;
}
