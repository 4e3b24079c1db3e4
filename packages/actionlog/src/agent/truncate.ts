/**
 * `value` cut to `max` characters: a string keeps its head and says how long it was; anything
 * else whose JSON is longer becomes that JSON's head, as a string. Shorter values are returned as
 * they are.
 */
export function truncateOutput(value: unknown, max: number): unknown {
  if (typeof value === 'string') return value.length > max ? cut(value, max) : value;
  if (value === null || typeof value !== 'object') return value;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // Cycles, BigInt: the logger's serializer copes with them and caps them itself.
    return value;
  }
  return json !== undefined && json.length > max ? cut(json, max) : value;
}

function cut(text: string, max: number): string {
  let end = Math.max(0, max);
  // Never split a surrogate pair.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}… [truncated, ${text.length} chars]`;
}
