// Characters that JSON must escape, plus surrogate halves (which may be lone, see below).
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * A string as a JSON literal. The common case (plain text) is one regex test and a
 * concatenation; lone surrogates become U+FFFD so every line is valid UTF-8.
 */
export function quoteJson(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return '"' + text + '"';
  return JSON.stringify(text.toWellFormed());
}
