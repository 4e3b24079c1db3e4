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
const LOWER_B = 5;
const UPPER_J = 6;
const UPPER_K = 7;
const UPPER_S = 8;
const LOWER_Z = 9;
const SLASH = 10;
const BACKSLASH = 11;
const PLUS = 12;
const DOT = 13;

/** What to look at around each ASCII character; 0 for the characters no rule starts from. */
const ACTIONS = new Uint8Array(128);
ACTIONS[64] = AT; // @
ACTIONS[58] = ASSIGN; // :
ACTIONS[61] = ASSIGN; // =
ACTIONS[45] = DASH;
ACTIONS[95] = UNDERSCORE;
ACTIONS[66] = LOWER_B; // B
ACTIONS[98] = LOWER_B; // b
ACTIONS[74] = UPPER_J;
ACTIONS[75] = UPPER_K;
ACTIONS[83] = UPPER_S;
ACTIONS[122] = LOWER_Z;
ACTIONS[47] = SLASH;
ACTIONS[92] = BACKSLASH;
ACTIONS[43] = PLUS;
ACTIONS[46] = DOT;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isHexDigit(code: number): boolean {
  return isDigit(code) || ((code | 32) >= 97 && (code | 32) <= 102);
}

/** `text` continues at `at` with `word` (lower case letters and spaces), ignoring letter case. */
function continuesWith(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((text.charCodeAt(at + i) | 32) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** Scans a string once and returns the `Trigger` bits it found. */
export class TriggerScanner {
  constructor(private readonly keys: SensitiveKeys) {}

  scan(text: string): number {
    const n = text.length;
    let found = 0;
    let digits = 0;
    let afterGap = false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c <= 57 && c >= 48) {
        if (++digits >= 11) found |= digits >= 13 ? Trigger.DIGITS_11 | Trigger.DIGITS_13 : Trigger.DIGITS_11;
        afterGap = false;
        continue;
      }
      if (digits > 0) {
        if ((c === 32 || c === 45) && !afterGap) afterGap = true;
        else digits = 0;
      }
      if (c >= 128) continue;
      switch (ACTIONS[c]) {
        case 0:
          break;
        case AT:
          found |= Trigger.AT;
          break;
        case ASSIGN:
          if ((found & Trigger.ASSIGNMENT) === 0 && this.namesSecret(text, i)) found |= Trigger.ASSIGNMENT;
          if (
            c === 58 &&
            (isHexDigit(text.charCodeAt(i - 1)) ||
              isHexDigit(text.charCodeAt(i + 1)) ||
              text.charCodeAt(i + 1) === 58)
          ) {
            found |= Trigger.IP;
          }
          break;
        case DASH:
          if (text.charCodeAt(i - 1) === 107 && text.charCodeAt(i - 2) === 115)
            found |= Trigger.SK_DASH; // sk-
          else if (
            text.charCodeAt(i - 2) === 120 &&
            text.charCodeAt(i - 3) === 111 &&
            text.charCodeAt(i - 4) === 120
          ) {
            found |= Trigger.SLACK; // xox?-
          } else if (text.charCodeAt(i + 1) === 45 && text.startsWith('----BEGIN', i + 1))
            found |= Trigger.PEM;
          break;
        case UNDERSCORE: {
          const before = text.charCodeAt(i - 1);
          if (before === 107)
            found |= Trigger.STRIPE; // sk_, rk_
          else if (before === 99 && text.charCodeAt(i - 2) === 101 && text.charCodeAt(i - 5) === 119)
            found |= Trigger.STRIPE; // whsec_
          else if (text.charCodeAt(i - 2) === 104 && text.charCodeAt(i - 3) === 103)
            found |= Trigger.GITHUB; // gh?_
          else if (before === 98 && text.charCodeAt(i - 2) === 117 && text.charCodeAt(i - 6) === 103)
            found |= Trigger.GITHUB; // github_
          break;
        }
        case LOWER_B:
          if (continuesWith(text, i + 1, 'earer ') || continuesWith(text, i + 1, 'asic '))
            found |= Trigger.AUTH_SCHEME;
          break;
        case UPPER_J:
          if (text.charCodeAt(i - 1) === 121 && text.charCodeAt(i - 2) === 101) found |= Trigger.JWT; // eyJ
          break;
        case UPPER_K: // AKIA
        case UPPER_S: // ASIA
          if (
            text.charCodeAt(i - 1) === 65 &&
            text.charCodeAt(i + 1) === 73 &&
            text.charCodeAt(i + 2) === 65
          ) {
            found |= Trigger.AWS;
          }
          break;
        case LOWER_Z: // AIza
          if (
            text.charCodeAt(i - 1) === 73 &&
            text.charCodeAt(i - 2) === 65 &&
            text.charCodeAt(i + 1) === 97
          ) {
            found |= Trigger.GOOGLE;
          }
          break;
        case SLASH:
          if (text.startsWith('Users/', i + 1) || text.startsWith('home/', i + 1)) found |= Trigger.HOME;
          break;
        case BACKSLASH:
          if (text.startsWith('Users', i + 1)) found |= Trigger.HOME;
          break;
        case PLUS:
          if (isDigit(text.charCodeAt(i + 1))) found |= Trigger.PLUS_DIGIT;
          break;
        case DOT:
          if (isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1))) found |= Trigger.IP;
          break;
      }
    }
    return found;
  }

  private namesSecret(text: string, separator: number): boolean {
    const end = nameEndBefore(text, separator);
    return end > 0 && this.keys.matches(text, nameStartBefore(text, end), end);
  }
}
