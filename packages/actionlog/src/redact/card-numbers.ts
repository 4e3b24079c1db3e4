import { passesLuhn } from './luhn.js';
import { Trigger } from './trigger-scan.js';
import { regexRule, type ValueRule } from './value-rule.js';

/**
 * A run of digits with single spaces or dashes between them, not part of a decimal number.
 * The run may be longer than a card (`4111 1111 1111 1111 2 items`), so the card is looked
 * for inside it group by group rather than trusting where the regex stopped.
 */
const DIGIT_RUN = /(?<![\d.]|\d[ -])\d(?:[ -]?\d){12,}(?!\d|\.\d)/g;

/** Issuer digits of the networks in use (Visa 4, Mastercard 2/5, Amex/Diners/JCB 3, Discover/UnionPay 6). */
function isIssuerDigit(code: number): boolean {
  return code >= 50 && code <= 54;
}

interface Group {
  start: number;
  end: number;
  digits: number;
}

function groupsOf(run: string): Group[] {
  const groups: Group[] = [];
  let start = 0;
  for (let i = 0; i <= run.length; i++) {
    if (i === run.length || run.charCodeAt(i) === 32 || run.charCodeAt(i) === 45) {
      groups.push({ start, end: i, digits: i - start });
      start = i + 1;
    }
  }
  return groups;
}

/** Every digit but the last four becomes `*`; separators stay, so the shape still reads as a card. */
function hideAllButLastFour(card: string): string {
  let remaining = 0;
  for (let i = 0; i < card.length; i++)
    if (card.charCodeAt(i) !== 32 && card.charCodeAt(i) !== 45) remaining++;
  let out = '';
  for (let i = 0; i < card.length; i++) {
    const code = card.charCodeAt(i);
    if (code === 32 || code === 45) out += card[i];
    else out += remaining-- > 4 ? '*' : card[i];
  }
  return out;
}

/** The run with each Luhn-valid 13–19 digit span of whole groups masked. */
function maskCardsIn(run: string): string {
  const groups = groupsOf(run);
  let out = '';
  let copied = 0;
  let first = 0;
  while (first < groups.length) {
    let matchedLast = -1;
    if (isIssuerDigit(run.charCodeAt(groups[first].start))) {
      let digits = 0;
      for (let last = first; last < groups.length && (digits += groups[last].digits) <= 19; last++) {
        const span = run.slice(groups[first].start, groups[last].end);
        if (digits >= 13 && passesLuhn(span)) matchedLast = last;
      }
    }
    if (matchedLast < 0) {
      first++;
      continue;
    }
    const start = groups[first].start;
    const end = groups[matchedLast].end;
    out += run.slice(copied, start) + hideAllButLastFour(run.slice(start, end));
    copied = end;
    first = matchedLast + 1;
  }
  return copied === 0 ? run : out + run.slice(copied);
}

export function cardNumberRule(): ValueRule {
  return regexRule('card', Trigger.DIGITS_13, DIGIT_RUN, maskCardsIn);
}
