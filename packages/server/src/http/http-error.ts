/** An error with the status and the `detail` the client gets. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly statusCode: number,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/** A bad parameter: the detail starts with its name, then what was wrong and what is allowed. */
export function badParameter(name: string, detail: string): HttpError {
  return new HttpError(400, `${name}: ${detail}`);
}

/** A client value in a message: quoted, and cut when long. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
