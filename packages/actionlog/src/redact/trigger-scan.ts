import { nameEndBefore, nameStartBefore } from './field-assignment.js';
import type { SensitiveKeys } from './sensitive-keys.js';

/**
 * What a single pass over a string found that some rule could act on. A rule runs only when
 * one of its triggers fired, so a string with nothing to mask costs this one loop and no
 * regex at all. Triggers are deliberately loose (a hint, not a match): the rule's own
 * pattern decides.
 */
export const Trigger = {
  /** `@`: e-mail addresses, `user:password@` in URLs. */
  AT: 1 << 0,
  /** A sensitive field name before `=` or `:` (`password=`, `"token":`). */
  ASSIGNMENT: 1 << 1,
  /** `Bearer ` / `Basic ` in any case. */
  AUTH_SCHEME: 1 << 2,
  /** `-----BEGIN`. */
  PEM: 1 << 3,
  /** `eyJ`, how base64url JSON (a JWT header) starts. */
  JWT: 1 << 4,
  /** `sk-` (OpenAI, Anthropic). */
  SK_DASH: 1 << 5,
  /** `gh?_` or `github_`. */
  GITHUB: 1 << 6,
  /** `xox?-`. */
  SLACK: 1 << 7,
  /** `AKIA`, `ASIA`. */
  AWS: 1 << 8,
  /** `AIza`. */
  GOOGLE: 1 << 9,
  /** `sk_`, `rk_`, `whsec_`. */
  STRIPE: 1 << 10,
  /** At least 11 digits in a row, single spaces or dashes allowed between them. */
  DIGITS_11: 1 << 11,
  /** At least 13 such digits. */
  DIGITS_13: 1 << 12,
  /** `+` followed by a digit. */
  PLUS_DIGIT: 1 << 13,
  /** `/Users/`, `/home/`, `\Users`. */
  HOME: 1 << 14,
  /** A digit on both sides of `.`, or a hex digit or `:` beside `:`. */
  IP: 1 << 15,
} as const;

const AT = 1;
const ASSIGN = 2;
const DASH = 3;
const UNDERSCORE = 4;
const LETTER_B = 5;
const UPPER_J = 6;
const UPPER_K_OR_S = 7;
const LOWER_Z = 8;
const SLASH = 9;
const BACKSLASH = 10;
const PLUS = 11;
const DOT = 12;
const DIGIT = 13;
const SPACE = 14;

const DIGIT_RUNS = Trigger.DIGITS_11 | Trigger.DIGITS_13;

/** The characters a rule can start from, what to look at there, and the triggers that can come of it. */
const STARTS: readonly [chars: string, action: number, triggers: number][] = [
  ['@', AT, Trigger.AT],
  [':=', ASSIGN, Trigger.ASSIGNMENT | Trigger.IP],
  ['-', DASH, Trigger.SK_DASH | Trigger.SLACK | Trigger.PEM | DIGIT_RUNS],
  ['_', UNDERSCORE, Trigger.STRIPE | Trigger.GITHUB],
  ['Bb', LETTER_B, Trigger.AUTH_SCHEME],
  ['J', UPPER_J, Trigger.JWT],
  ['KS', UPPER_K_OR_S, Trigger.AWS],
  ['z', LOWER_Z, Trigger.GOOGLE],
  ['/', SLASH, Trigger.HOME],
  ['\\', BACKSLASH, Trigger.HOME],
  ['+', PLUS, Trigger.PLUS_DIGIT],
  ['.', DOT, Trigger.IP],
  ['0123456789', DIGIT, DIGIT_RUNS],
  [' ', SPACE, DIGIT_RUNS],
];

/**
 * What to look at around each ASCII character; 0 for the characters no enabled rule starts
 * from, which is most of them, so the common path is one table load and one comparison.
 */
function actionTable(enabled: number): Uint8Array {
  const table = new Uint8Array(128);
  for (const [chars, action, triggers] of STARTS) {
    if ((triggers & enabled) === 0) continue;
    for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = action;
  }
  return table;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isHexDigit(code: number): boolean {
  return isDigit(code) || ((code | 32) >= 97 && (code | 32) <= 102);
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** `text` continues at `at` with `word` (lower-case letters), ignoring letter case. */
function continuesWith(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((text.charCodeAt(at + i) | 32) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** Scans a string once and returns the `Trigger` bits it found. */
export class TriggerScanner {
  private readonly actions: Uint8Array;

  /** `enabled`: the triggers some active rule listens to; characters serving only others are skipped. */
  constructor(
    private readonly keys: SensitiveKeys,
    enabled: number,
  ) {
    this.actions = actionTable(enabled);
  }

  scan(text: string): number {
    const n = text.length;
    let found = 0;
    // Digits seen in a row, allowing one space or dash between two of them (card and phone layouts).
    let digits = 0;
    let afterGap = false;
    const actions = this.actions;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const action = c < 128 ? actions[c] : 0;
      if (action === 0) {
        digits = 0;
        continue;
      }
      if (action === DIGIT) {
        if (++digits >= 11) found |= digits >= 13 ? Trigger.DIGITS_11 | Trigger.DIGITS_13 : Trigger.DIGITS_11;
        afterGap = false;
        continue;
      }
      if (action === SPACE || action === DASH) {
        if (afterGap) digits = 0;
        afterGap = true;
        if (action === SPACE) continue;
      } else {
        digits = 0;
      }
      found |= this.inspect(text, i, c, action, found);
    }
    return found;
  }

  /** The triggers found around the uncommon character at `i`; kept out of the hot loop above. */
  private inspect(text: string, i: number, c: number, action: number, found: number): number {
    const before = text.charCodeAt(i - 1);
    const after = text.charCodeAt(i + 1);
    switch (action) {
      case AT:
        return Trigger.AT;
      case ASSIGN: {
        let bits = (found & Trigger.ASSIGNMENT) === 0 && this.namesSecret(text, i) ? Trigger.ASSIGNMENT : 0;
        if (c === 58 && (isHexDigit(before) || isHexDigit(after) || after === 58)) bits |= Trigger.IP;
        return bits;
      }
      case DASH:
        if (before === 107 && text.charCodeAt(i - 2) === 115) return Trigger.SK_DASH; // sk-
        if (
          text.charCodeAt(i - 2) === 120 &&
          text.charCodeAt(i - 3) === 111 &&
          text.charCodeAt(i - 4) === 120
        ) {
          return Trigger.SLACK; // xox?-
        }
        return after === 45 && text.startsWith('----BEGIN', i + 1) ? Trigger.PEM : 0;
      case UNDERSCORE:
        if (before === 107) return Trigger.STRIPE; // sk_, rk_
        if (before === 99 && text.charCodeAt(i - 2) === 101 && text.charCodeAt(i - 5) === 119)
          return Trigger.STRIPE; // whsec_
        if (text.charCodeAt(i - 2) === 104 && text.charCodeAt(i - 3) === 103) return Trigger.GITHUB; // gh?_
        return before === 98 && text.charCodeAt(i - 2) === 117 && text.charCodeAt(i - 6) === 103
          ? Trigger.GITHUB
          : 0; // github_
      case LETTER_B:
        return (continuesWith(text, i + 1, 'earer') && isBlank(text.charCodeAt(i + 6))) ||
          (continuesWith(text, i + 1, 'asic') && isBlank(text.charCodeAt(i + 5)))
          ? Trigger.AUTH_SCHEME
          : 0;
      case UPPER_J:
        return before === 121 && text.charCodeAt(i - 2) === 101 ? Trigger.JWT : 0; // eyJ
      case UPPER_K_OR_S: // AKIA, ASIA
        return before === 65 && after === 73 && text.charCodeAt(i + 2) === 65 ? Trigger.AWS : 0;
      case LOWER_Z: // AIza
        return before === 73 && text.charCodeAt(i - 2) === 65 && after === 97 ? Trigger.GOOGLE : 0;
      case SLASH:
        return (after === 85 && text.startsWith('Users/', i + 1)) ||
          (after === 104 && text.startsWith('home/', i + 1))
          ? Trigger.HOME
          : 0;
      case BACKSLASH:
        return after === 85 && text.startsWith('Users', i + 1) ? Trigger.HOME : 0;
      case PLUS:
        return isDigit(after) ? Trigger.PLUS_DIGIT : 0;
      default: // DOT
        return isDigit(before) && isDigit(after) ? Trigger.IP : 0;
    }
  }

  private namesSecret(text: string, separator: number): boolean {
    const end = nameEndBefore(text, separator);
    return (
      end > 0 &&
      this.keys.mayEndWith(text.charCodeAt(end - 1)) &&
      this.keys.matches(text, nameStartBefore(text, end), end)
    );
  }
}
