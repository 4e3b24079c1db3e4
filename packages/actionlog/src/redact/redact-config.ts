import { z } from 'zod';
import { normalizeKey } from './sensitive-keys.js';
import { userPatternProblem } from './user-patterns.js';
import { BUILT_IN_RULE_NAMES } from './value-patterns.js';

const userPatternSchema = z.strictObject({
  name: z.string().min(1).describe('Names the rule in messages from `actionlog config check`.'),
  regex: z.string().min(1).describe('JavaScript regular expression source, without slashes.'),
  flags: z
    .string()
    .regex(/^[imsu]*$/, 'only the flags i, m, s and u are allowed (g is implied)')
    .optional()
    .describe('Regex flags: i, m, s, u.'),
  replacement: z
    .string()
    .optional()
    .describe('What a match becomes ($1, $<name> and $& allowed); defaults to redact.replacement.'),
});

/** The `redact` section of the configuration. */
export const redactConfigSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('Mask records before they are written.'),
  keys: z
    .array(z.string().min(1))
    .default([])
    .describe('More field names whose values are replaced whole (case and - _ . ignored).'),
  patterns: z.array(userPatternSchema).default([]).describe('More value patterns, applied to every string.'),
  disable: z
    .array(z.enum(BUILT_IN_RULE_NAMES))
    .default([])
    .describe('Built-in rules to switch off, by name (see README "What gets masked").'),
  paths: z
    .array(z.string().min(1))
    .default([])
    .describe('Exact dotted paths dropped from records, e.g. data.user.address.'),
  replacement: z.string().min(1).default('[MASKED]').describe('What a masked value becomes.'),
  ipAddresses: z.boolean().default(false).describe('Also mask IPv4 and IPv6 addresses as [IP].'),
});

/** The `redact` section after defaults. */
export type RedactConfig = z.output<typeof redactConfigSchema>;
/** The `redact` section as written (every field optional). */
export type RedactConfigInput = z.input<typeof redactConfigSchema>;

/**
 * Problems the schema cannot see, one human-readable line each, naming the setting: user
 * patterns that do not compile or could hang the logger, keys that are only separators.
 * `compileMasker` leaves such entries out, so each line is also something not being masked.
 */
export function checkRedactConfig(config: RedactConfig): string[] {
  const problems: string[] = [];
  config.patterns.forEach((pattern, index) => {
    const problem = userPatternProblem(pattern);
    if (problem !== undefined) {
      problems.push(`redact.patterns[${index}] "${pattern.name}": ${problem}; this pattern is not applied`);
    }
  });
  config.keys.forEach((key, index) => {
    if (normalizeKey(key) === '') {
      problems.push(
        `redact.keys[${index}] "${key}": only - _ . characters, which are ignored when comparing keys`,
      );
    }
  });
  return problems;
}
