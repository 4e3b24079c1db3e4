import { slowOnHostileInput, USER_PATTERN_WINDOW, unsafeRegexShape } from './regex-safety.js';
import type { ValueRule } from './value-rule.js';

export interface UserPattern {
  readonly name: string;
  readonly regex: string;
  readonly flags?: string;
  readonly replacement?: string;
}

/** How far back from a window's end a whitespace cut is looked for. */
const CUT_SEARCH = 64;

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * `mask` applied to consecutive slices of at most USER_PATTERN_WINDOW characters, cut after
 * whitespace when there is some near the limit, so a token is only split when it is longer
 * than that. A match straddling a cut is not found: the price of bounding the work a user
 * pattern can do on one string.
 */
function inWindows(text: string, mask: (part: string) => string): string {
  if (text.length <= USER_PATTERN_WINDOW) return mask(text);
  let out = '';
  let changed = false;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + USER_PATTERN_WINDOW, text.length);
    if (end < text.length) {
      let cut = end;
      while (cut > end - CUT_SEARCH && !isWhitespace(text.charCodeAt(cut - 1))) cut--;
      if (cut > end - CUT_SEARCH) end = cut;
    }
    const part = text.slice(start, end);
    const masked = mask(part);
    changed ||= masked !== part;
    out += masked;
    start = end;
  }
  return changed ? out : text;
}

/** What is wrong with a user pattern, or undefined when it may run. */
export function userPatternProblem(pattern: UserPattern): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern.regex, pattern.flags ?? '');
  } catch (error) {
    return `invalid regex: ${(error as Error).message}`;
  }
  const shape = unsafeRegexShape(pattern.regex);
  if (shape !== undefined) return `refused, ${shape}`;
  if (regex.test(''))
    return 'refused, it matches the empty string, so its replacement would land between every character';
  if (slowOnHostileInput(pattern.regex, pattern.flags ?? '')) {
    return `refused, it backtracks badly: too slow on a ${USER_PATTERN_WINDOW}-character hostile input`;
  }
  return undefined;
}

/**
 * A rule from `redact.patterns`. It runs on every string (there is no trigger to pre-check),
 * once `userPatternProblem` found nothing wrong with it. The replacement may use `$1`, `$<name>`, `$&`.
 */
export function userPatternRule(pattern: UserPattern, defaultReplacement: string): ValueRule {
  const regex = new RegExp(pattern.regex, (pattern.flags ?? '') + 'g');
  const replacement = pattern.replacement ?? defaultReplacement;
  return {
    name: pattern.name,
    triggers: 0,
    mask: (text) => inWindows(text, (part) => part.replace(regex, replacement)),
  };
}
