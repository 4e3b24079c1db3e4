/** Built-in categories; any other string is allowed too. */
export const CATEGORIES = ['system', 'audit', 'security', 'http', 'agent', 'performance'] as const;

export const DEFAULT_CATEGORY = 'system';

/**
 * Picks a category from the dotted logger name using the longest matching prefix, so that
 * `shop.auth.routes` with `{ 'shop.auth': 'security' }` logs as `security`.
 */
export function categoryForLogger(
  loggerName: string | undefined,
  prefixes: Readonly<Record<string, string>>,
): string | undefined {
  if (!loggerName) return undefined;
  let best: string | undefined;
  let bestLength = -1;
  for (const prefix in prefixes) {
    const matches =
      loggerName === prefix || (loggerName.startsWith(prefix) && loggerName.charCodeAt(prefix.length) === 46);
    if (matches && prefix.length > bestLength) {
      best = prefixes[prefix];
      bestLength = prefix.length;
    }
  }
  return best;
}
