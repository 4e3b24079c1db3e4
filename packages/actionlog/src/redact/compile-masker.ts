import { DEFAULT_SENSITIVE_KEYS, DEFAULT_SENSITIVE_SUFFIXES } from './default-keys.js';
import { type Masker, noMasking } from './masker.js';
import { type RedactConfigInput, redactConfigSchema } from './redact-config.js';
import { SensitiveKeys } from './sensitive-keys.js';
import { TriggerScanner } from './trigger-scan.js';
import { userPatternProblem, userPatternRule } from './user-patterns.js';
import { builtInValueRules } from './value-patterns.js';
import type { ValueRule } from './value-rule.js';

/** `a@b.cd`: no built-in value rule can match fewer characters, except `::1` (IP) and `pin=1` (secret-params). */
const SHORTEST_BUILT_IN_MATCH = 6;

/**
 * Records reuse a small set of field names, and a Map hit costs a quarter of the comparison.
 * Bounded (cleared when full, long names never stored) so hostile keys cannot grow it.
 */
const KEY_CACHE_SIZE = 1024;
const KEY_CACHE_MAX_LENGTH = 64;

/**
 * Long strings that repeat — the stack of an error thrown again and again from the same place —
 * cost a full scan each time; their masked form is kept (by content) in a small bounded cache.
 * At most 128 entries of up to 4096 characters, cleared when full, so unique strings only cost
 * the hash of a miss.
 */
const LONG_STRING = 128;
const LONG_STRING_MAX = 4096;
const LONG_CACHE_SIZE = 128;
/** Stored instead of the string itself when masking changed nothing. */
const SAME = '';

/**
 * Compiles the `redact` section once into the masker the serializer calls for every key and
 * string. Never throws for a bad user pattern: it is left out, and `checkRedactConfig` says why.
 * Throws (a ZodError) only when `config` does not have the shape of the section at all.
 */
export function compileMasker(config: RedactConfigInput = {}): Masker {
  const settings = redactConfigSchema.parse(config);
  if (!settings.enabled) return noMasking;
  const disabled = new Set<string>(settings.disable);
  const withDefaults = !disabled.has('default-keys');
  const keys = new SensitiveKeys(
    withDefaults ? [...DEFAULT_SENSITIVE_KEYS, ...settings.keys] : settings.keys,
    withDefaults ? DEFAULT_SENSITIVE_SUFFIXES : [],
  );
  const userRules = settings.patterns
    .filter((pattern) => userPatternProblem(pattern) === undefined)
    .map((pattern) => userPatternRule(pattern, settings.replacement));
  const builtIns = builtInValueRules(keys, settings.replacement).filter(
    (rule) => !disabled.has(rule.name) && (rule.name !== 'ip' || settings.ipAddresses),
  );
  // User patterns first: they state intent about the application's own formats, and a
  // built-in rule masking part of their match first could stop them from matching.
  const rules: ValueRule[] = [...userRules, ...builtIns];
  const triggers = builtIns.reduce((bits, rule) => bits | rule.triggers, 0);
  const hasUserRules = userRules.length > 0;
  const minLength = hasUserRules
    ? 1
    : Math.min(
        SHORTEST_BUILT_IN_MATCH,
        keys.shortest + 2,
        settings.ipAddresses ? 3 : Number.POSITIVE_INFINITY,
      );
  const scanner = new TriggerScanner(keys, triggers);
  const replacement = settings.replacement;
  const keyCache = new Map<string, boolean>();
  const longCache = new Map<string, string>();

  return {
    replacement,
    dropPaths: new Set(settings.paths),
    isSensitiveKey(key) {
      const cached = keyCache.get(key);
      if (cached !== undefined) return cached;
      const sensitive = keys.matches(key);
      if (key.length <= KEY_CACHE_MAX_LENGTH) {
        if (keyCache.size >= KEY_CACHE_SIZE) keyCache.clear();
        keyCache.set(key, sensitive);
      }
      return sensitive;
    },
    maskString(value) {
      if (value.length < minLength) return value;
      const cacheable = value.length >= LONG_STRING && value.length <= LONG_STRING_MAX;
      if (cacheable) {
        const known = longCache.get(value);
        if (known !== undefined) return known === SAME ? value : known;
      }
      const masked = maskOnce(value);
      if (cacheable) {
        if (longCache.size >= LONG_CACHE_SIZE) longCache.clear();
        longCache.set(value, masked === value ? SAME : masked);
      }
      return masked;
    },
  };

  function maskOnce(value: string): string {
    try {
      const found = scanner.scan(value) & triggers;
      if (found === 0 && !hasUserRules) return value;
      let out = value;
      for (const rule of rules) {
        if (rule.triggers === 0 || (rule.triggers & found) !== 0) out = rule.mask(out);
      }
      return out === value ? value : out;
    } catch {
      // Only a regex running out of stack on a pathological string gets here; hide it all rather than leak it.
      return replacement;
    }
  }
}
