/** A piece of SQL and the values bound to its `?` placeholders, in order. */
export interface Fragment {
  readonly text: string;
  readonly params: readonly unknown[];
}

/** SQL text from the compiler itself (identifiers it quoted, keywords): never user input. */
export function raw(text: string): Fragment {
  return { text, params: [] };
}

/** A bound parameter. */
export function param(value: unknown): Fragment {
  return { text: '?', params: [value] };
}

/** Template for SQL: every interpolation must be a Fragment, so values can only enter as parameters. */
export function sql(strings: TemplateStringsArray, ...parts: Fragment[]): Fragment {
  let text = strings[0];
  const params: unknown[] = [];
  parts.forEach((part, i) => {
    text += part.text + strings[i + 1];
    params.push(...part.params);
  });
  return { text, params };
}

export function join(parts: readonly Fragment[], separator: string): Fragment {
  return { text: parts.map((p) => p.text).join(separator), params: parts.flatMap((p) => p.params) };
}
