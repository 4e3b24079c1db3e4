import { nameEndBefore, nameStartBefore, valueAfter } from './field-assignment.js';
import type { SensitiveKeys } from './sensitive-keys.js';
import { Trigger } from './trigger-scan.js';
import type { ValueRule } from './value-rule.js';

/**
 * Sensitive fields written inside text rather than as record keys: query parameters
 * (`?token=…`, `&api_key=…`), logfmt and env lines (`password=…`, `--db-password=…`), headers
 * (`Authorization: Bearer …`) and JSON embedded in a message (`{"secret":"…"}`). A name counts
 * when the key rules would mask a field of that name, so `redact.keys` reach here too.
 */
export function secretParamsRule(keys: SensitiveKeys, replacement: string): ValueRule {
  return {
    name: 'secret-params',
    triggers: Trigger.ASSIGNMENT,
    mask(text) {
      let out = '';
      let copied = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code !== 61 && code !== 58) continue; // = :
        const end = nameEndBefore(text, i);
        if (end < 0 || !keys.matches(text, nameStartBefore(text, end), end)) continue;
        const value = valueAfter(text, i);
        if (value === undefined) continue;
        const [start, stop] = value;
        // Already masked by an earlier rule (`token:[MASKED]@host` after url-credentials).
        if (text.startsWith(replacement, start)) {
          i = start + replacement.length - 1;
          continue;
        }
        out += text.slice(copied, start) + replacement;
        copied = stop;
        i = stop - 1;
      }
      return copied === 0 ? text : out + text.slice(copied);
    },
  };
}
