import { Trigger } from './trigger-scan.js';
import { regexRule, type ValueRule } from './value-rule.js';

/*
 * Credentials that announce themselves by a fixed prefix. The prefix is kept and the rest
 * replaced (`sk-ant-api03-[MASKED]`, `ghp_[MASKED]`, `AKIA[MASKED]`), so a reader can tell which
 * kind of key leaked without learning the key. Each pattern starts at a word boundary
 * (`(?<![\w-])`) so `task-…` or `risk_…` never look like `sk-…`, and demands a realistic
 * minimum length so prose does not trip it.
 */

/** A body that mixes digits and letters, as generated keys do; `sk-learn-pipeline-notes` does not. */
function looksGenerated(body: string): boolean {
  return /\d/.test(body) && /[A-Za-z]/.test(body);
}

export function providerKeyRules(replacement: string): ValueRule[] {
  const keepPrefix = (_match: string, prefix: string) => prefix + replacement;
  return [
    regexRule('anthropic-key', Trigger.SK_DASH, /(?<![\w-])(sk-ant-(?:[a-z]+\d\d-)?)[\w-]{20,}/g, keepPrefix),
    regexRule(
      'openai-key',
      Trigger.SK_DASH,
      /(?<![\w-])(sk-(?:proj-|svcacct-|admin-)?)([\w-]{20,})/g,
      (match, prefix, body) => (looksGenerated(body) ? prefix + replacement : match),
    ),
    regexRule(
      'github-token',
      Trigger.GITHUB,
      /(?<![\w-])(gh[pousr]_|github_pat_)[A-Za-z0-9_]{30,}/g,
      keepPrefix,
    ),
    regexRule('slack-token', Trigger.SLACK, /(?<![\w-])(xox[abposr]-)[A-Za-z0-9-]{10,}/g, keepPrefix),
    regexRule('aws-key', Trigger.AWS, /(?<![A-Za-z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g, keepPrefix),
    regexRule('google-key', Trigger.GOOGLE, /(?<![\w-])(AIza)[\w-]{35}(?![\w-])/g, keepPrefix),
    regexRule(
      'stripe-key',
      Trigger.STRIPE,
      /(?<![\w-])((?:sk|rk)_(?:live|test)_|whsec_)[A-Za-z0-9]{16,}/g,
      keepPrefix,
    ),
    // The header (first segment) only names the algorithm; claims and signature go.
    regexRule('jwt', Trigger.JWT, /(?<![\w-])(eyJ[\w-]{5,})((?:\.[\w-]*){1,4})/g, (match, header, rest) =>
      rest.length > 10 ? header + '.' + replacement : match,
    ),
  ];
}
