import vm from 'node:vm';

/*
 * User patterns run on every string the logger writes, on the caller's thread, where a
 * regex cannot be interrupted. Three defences keep a bad pattern from hanging the application:
 *
 * 1. Refused shapes (`unsafeRegexShape`): the shapes that backtrack exponentially, which a
 *    short hostile string is enough to trigger. A group repeated by `*`, `+` or `{n,m}` may
 *    not itself contain a quantifier (`(a+)+`, `(\w+\s?)*`) or an alternation (`(a|a)*`), and
 *    backreferences are refused. This is conservative: `(?:\.[a-z]+)*` is safe but refused;
 *    write `[a-z.]*` or two patterns instead.
 * 2. A probe (`slowOnHostileInput`): the pattern runs once, in a vm with a time limit, on
 *    long runs of each character it mentions and of common classes. Cubic and worse blow-ups
 *    such as `\w*\w*\w*x` pass the shape check but fail here.
 *
 * 3. A bound: at run time a user pattern sees at most USER_PATTERN_WINDOW characters at a time
 *    (see user-patterns.ts), the input size the probe proved fast, so even an accepted
 *    quadratic pattern costs at most a fixed amount per character of the string.
 */

export const USER_PATTERN_WINDOW = 512;

const PROBE_INPUT_LIMIT_MS = 10;
const PROBE_TOTAL_LIMIT_MS = 250;

interface GroupFrame {
  quantified: boolean;
  alternation: boolean;
}

/** Reads a quantifier at `at`: its length and whether it can repeat (max > 1), or undefined. */
function quantifierAt(source: string, at: number): { length: number; repeats: boolean } | undefined {
  const c = source[at];
  let length: number;
  let repeats: boolean;
  if (c === '*' || c === '+') {
    length = 1;
    repeats = true;
  } else if (c === '?') {
    length = 1;
    repeats = false;
  } else if (c === '{') {
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
    if (!braces) return undefined;
    length = braces[0].length;
    const max = braces[2] === undefined ? Number(braces[1]) : braces[3] === '' ? Infinity : Number(braces[3]);
    repeats = max > 1;
  } else {
    return undefined;
  }
  if (source[at + length] === '?') length++; // lazy
  return { length, repeats };
}

/** Why `source` has a catastrophic-backtracking shape, or undefined when it does not. */
export function unsafeRegexShape(source: string): string | undefined {
  const stack: GroupFrame[] = [{ quantified: false, alternation: false }];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const top = stack[stack.length - 1];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')) {
        return 'backreferences (\\1, \\k<name>) can backtrack without bound';
      }
      i += 2;
    } else if (c === '[') {
      i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      i++;
      if (source[i] === '?') i++; // (?: (?= (?! (?<= (?<! (?<name>: the rest reads as atoms, harmlessly
      continue;
    } else if (c === ')') {
      const group = stack.length > 1 ? stack.pop()! : top;
      i++;
      const quantifier = quantifierAt(source, i);
      if (quantifier) {
        i += quantifier.length;
        if (quantifier.repeats && group.quantified) {
          return `a repeated group contains a quantifier (like (a+)+) near "${source.slice(0, i)}"`;
        }
        if (quantifier.repeats && group.alternation) {
          return `a repeated group contains an alternation (like (a|ab)*) near "${source.slice(0, i)}"; use a character class`;
        }
      }
      const parent = stack[stack.length - 1];
      parent.quantified ||= group.quantified || quantifier !== undefined;
      continue;
    } else if (c === '|') {
      top.alternation = true;
      i++;
    } else {
      i++;
    }
    const quantifier = quantifierAt(source, i);
    if (quantifier) {
      stack[stack.length - 1].quantified = true;
      i += quantifier.length;
    }
  }
  return undefined;
}

/** Hostile inputs: long runs of each character the pattern names and of the common classes. */
function probeInputs(source: string): string[] {
  const chars = new Set('aA0 _-.@/:=\t\né'.split(''));
  for (const char of source)
    if (char.charCodeAt(0) > 32 && !'\\^$.*+?()[]{}|'.includes(char)) chars.add(char);
  const inputs: string[] = [];
  for (const char of chars) {
    const run = char.repeat(USER_PATTERN_WINDOW - 1);
    inputs.push(run, run + '\u0000');
  }
  return inputs;
}

/**
 * True when the pattern takes more than PROBE_INPUT_LIMIT_MS on one hostile input (or all of
 * them together more than PROBE_TOTAL_LIMIT_MS, which is how a catastrophic one is stopped).
 * The per-input limit sits far above what a linear or mildly quadratic pattern needs on
 * USER_PATTERN_WINDOW characters and far below what a cubic one needs, so a busy machine does
 * not change the verdict.
 */
export function slowOnHostileInput(source: string, flags: string): boolean {
  const context = vm.createContext({
    source,
    flags,
    inputs: probeInputs(source),
    now: () => performance.now(),
  });
  try {
    const slowest = vm.runInContext(
      `const re = new RegExp(source, flags + 'g');
       let slowest = 0;
       for (const input of inputs) {
         const started = now();
         input.replace(re, '');
         slowest = Math.max(slowest, now() - started);
       }
       slowest;`,
      context,
      { timeout: PROBE_TOTAL_LIMIT_MS },
    ) as number;
    return slowest > PROBE_INPUT_LIMIT_MS;
  } catch {
    return true;
  }
}
