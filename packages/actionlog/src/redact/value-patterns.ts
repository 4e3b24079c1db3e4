import { isIPv6 } from 'node:net';
import { cardNumberRule } from './card-numbers.js';
import { providerKeyRules } from './provider-keys.js';
import { secretParamsRule } from './secret-params.js';
import type { SensitiveKeys } from './sensitive-keys.js';
import { Trigger } from './trigger-scan.js';
import { regexRule, type ValueRule } from './value-rule.js';

/** Names `redact.disable` accepts, in the order the rules run. */
export const BUILT_IN_RULE_NAMES = [
  'default-keys',
  'private-key',
  'url-credentials',
  'secret-params',
  'auth-header',
  'anthropic-key',
  'openai-key',
  'github-token',
  'slack-token',
  'aws-key',
  'google-key',
  'stripe-key',
  'jwt',
  'email',
  'card',
  'phone',
  'ip',
  'home-dir',
] as const;

/** `default-keys` is not a value rule: it switches off the built-in key names (`redact.keys` still apply). */
export type BuiltInRuleName = (typeof BUILT_IN_RULE_NAMES)[number];

/** Eight or more characters with something besides lower-case letters: `Bearer authentication` is prose, `Bearer 8f3a…` is not. */
function looksLikeCredential(text: string): boolean {
  return text.length >= 8 && /[\d._~+/=-]|.[A-Z]/.test(text);
}

/**
 * Every built-in value rule. The order matters: rules that recognise a secret by its context
 * (a PEM block, `user:pass@`, `password=`, `Bearer`) run before the rules that recognise a
 * token by its shape, so `Authorization: Bearer eyJ…` is masked once, as a header.
 */
export function builtInValueRules(keys: SensitiveKeys, replacement: string): ValueRule[] {
  return [
    regexRule(
      'private-key',
      Trigger.PEM,
      // Without an END line (a truncated message) everything after BEGIN is hidden.
      /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END \1PRIVATE KEY\2-----|$)/g,
      (_match, kind: string, block = '') =>
        `-----BEGIN ${kind}PRIVATE KEY${block}-----${replacement}-----END ${kind}PRIVATE KEY${block}-----`,
    ),
    // The password runs to the last `@` of the authority, so an unencoded `@` in it cannot leak a tail.
    regexRule(
      'url-credentials',
      Trigger.AT,
      /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s:/@]*):([^\s/?#]+)@/g,
      (_match, scheme: string, user: string) => `${scheme}${user}:${replacement}@`,
    ),
    secretParamsRule(keys, replacement),
    regexRule(
      'auth-header',
      Trigger.AUTH_SCHEME,
      /\b(bearer|basic)([ \t]+)([\w.~+/-]+=*)/gi,
      (match, scheme, gap, credential) =>
        looksLikeCredential(credential) ? scheme + gap + replacement : match,
    ),
    ...providerKeyRules(replacement),
    // `icon@2x.png` is an image name, not an address.
    regexRule(
      'email',
      Trigger.AT,
      /(?<![\w.%+-])[\w.%+-]{1,64}@(?![1-4]x\.)((?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24})(?![\w-])/g,
      (_match, domain: string) => `***@${domain}`,
    ),
    cardNumberRule(),
    regexRule(
      'phone',
      Trigger.PLUS_DIGIT | Trigger.DIGITS_11,
      // E.164 with the usual spacing, or a mainland-China mobile (11 digits from 13x–19x) standing alone.
      /(?<![\w+])\+[1-9](?:[ .()-]{0,2}\d){7,14}(?!\d)|(?<![0-9A-Za-z])1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z])/g,
      () => '[PHONE]',
    ),
    regexRule(
      'ip',
      Trigger.IP,
      /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\w|\.\d)|(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:])/g,
      // `10:30:45` has the shape of an IPv6 address, so colons are confirmed by the real parser.
      (match) => (match.includes(':') && !(/[0-9A-Fa-f]/.test(match) && isIPv6(match)) ? match : '[IP]'),
    ),
    regexRule(
      'home-dir',
      Trigger.HOME,
      // Windows account names may contain spaces; Unix ones stop at whitespace.
      /(\/(?:Users|home)\/)([^/\\\s"'<>:;,|*?]+)|(\\{1,2}Users\\{1,2})([^\\/\r\n\t"'<>:;,|*?]+)/g,
      (_match, unixRoot: string | undefined, _unixName, windowsRoot: string) =>
        `${unixRoot ?? windowsRoot}<user>`,
    ),
  ];
}
