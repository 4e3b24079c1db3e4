// Characters that JSON must escape, plus surrogate halves (which may be lone, see below).
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** Below this length a character loop beats starting the regex engine. */
const SHORT = 64;

/**
 * A string as a JSON literal. The common case (plain text) is one scan and a concatenation;
 * lone surrogates become U+FFFD so every line is valid UTF-8.
 */
export function quoteJson(text: string): string {
  if (text.length < SHORT) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return escaped(text);
    }
    return '"' + text + '"';
  }
  return NEEDS_ESCAPE.test(text) ? escaped(text) : '"' + text + '"';
}

function escaped(text: string): string {
  return JSON.stringify(text.toWellFormed());
}
