import type { Expr, Stage } from '../ast.js';
import { jsonEscaped, lowerAscii } from '../values.js';

/**
 * Byte strings a line must contain to possibly match: the line must contain at least one
 * needle of every requirement. Derived conservatively — a requirement may only reject lines
 * that cannot match — so a line is skipped before JSON.parse only when that is certain.
 */
export interface Needle {
  /** As it appears in the line (for `ci`, lower-cased A–Z). */
  text: string;
  /** Compare ignoring ASCII case (full-text terms). */
  ci: boolean;
}

export type Requirement = Needle[];

/**
 * Characters that every JSON writer emits as themselves inside a string. Others may be
 * escaped differently by other writers (`\/`, `\u00e9`, `\u003c`), so a value containing
 * them gives no needle.
 */
const VERBATIM = /^[A-Za-z0-9 _.,:;!?@#$%^*()+=~|{}[\]-]*$/;

/** Requirements of the filter stages at the start of a pipeline (before any parse/fields/stats). */
export function requirementsOf(stages: readonly Stage[]): Requirement[] {
  const requirements: Requirement[] = [];
  for (const stage of stages) {
    if (stage.kind !== 'filter') break;
    requirements.push(...ofExpr(stage.where));
  }
  return dedupe(requirements);
}

function ofExpr(expr: Expr): Requirement[] {
  switch (expr.kind) {
    case 'and':
      return expr.items.flatMap(ofExpr);
    case 'or': {
      // A line matching the `or` matches one branch, so it holds one needle of that branch's
      // best requirement: the union of one requirement per branch is a requirement.
      const union: Needle[] = [];
      for (const item of expr.items) {
        const best = strongest(ofExpr(item));
        if (best === undefined) return [];
        union.push(...best);
      }
      return [union];
    }
    case 'not':
      return [];
    case 'compare':
      if (expr.op !== '=' || typeof expr.value !== 'string') return [];
      return quoted(expr.value);
    case 'in': {
      const union: Needle[] = [];
      for (const value of expr.values) {
        if (typeof value !== 'string') return [];
        const needle = quoted(value);
        if (needle.length === 0) return [];
        union.push(...needle[0]);
      }
      return [union];
    }
    case 'contains':
      return expr.value !== '' && VERBATIM.test(expr.value) ? [[{ text: expr.value, ci: false }]] : [];
    case 'exists': {
      // A present key is written `"key"` (any key in the path; the last is the most specific).
      const key = expr.field.path[expr.field.path.length - 1];
      return VERBATIM.test(key) ? [[{ text: `"${key}"`, ci: false }]] : [];
    }
    case 'like':
      return ofRegex(expr.pattern, expr.flags);
    case 'text':
      return [[{ text: lowerAscii(jsonEscaped(expr.term)), ci: true }]];
  }
}

/** `"value"` with its quotes: a string field equal to it is written exactly so. */
function quoted(value: string): Requirement[] {
  return VERBATIM.test(value) ? [[{ text: `"${value}"`, ci: false }]] : [];
}

/** A regex without special characters is a literal: its text must be in the line. */
function ofRegex(pattern: string, flags: string): Requirement[] {
  const literal = pattern.replace(/^\^/, '').replace(/\$$/, '');
  if (literal === '' || !/^[A-Za-z0-9 _:,;!@#%=~-]+$/.test(literal) || flags.includes('m')) return [];
  if (flags.includes('i')) {
    return /[^\x00-\x7f]/.test(literal) ? [] : [[{ text: literal.toLowerCase(), ci: true }]];
  }
  return [[{ text: literal, ci: false }]];
}

/** The requirement most likely to reject lines: long needles, few alternatives. */
export function strongest(requirements: readonly Requirement[]): Requirement | undefined {
  let best: Requirement | undefined;
  let bestScore = -Infinity;
  for (const requirement of requirements) {
    const shortest = Math.min(...requirement.map((n) => n.text.length));
    const score = shortest - 4 * (requirement.length - 1) - (requirement.some((n) => n.ci) ? 2 : 0);
    if (score > bestScore) {
      best = requirement;
      bestScore = score;
    }
  }
  return best;
}

function dedupe(requirements: Requirement[]): Requirement[] {
  const seen = new Set<string>();
  return requirements.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
