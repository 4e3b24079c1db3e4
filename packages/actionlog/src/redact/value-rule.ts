/** One masking rule applied to string values. */
export interface ValueRule {
  /** What `redact.disable` calls it. */
  readonly name: string;
  /** `Trigger` bits, any of which makes the rule worth running; 0 runs it on every string. */
  readonly triggers: number;
  /** The text with this rule's matches masked; the same string when nothing matched. */
  mask(text: string): string;
}

type Replacer = (match: string, ...groups: string[]) => string;

/** A rule that is one global regex and its replacer. */
export function regexRule(name: string, triggers: number, regex: RegExp, replacer: Replacer): ValueRule {
  return { name, triggers, mask: (text) => text.replace(regex, replacer) };
}
