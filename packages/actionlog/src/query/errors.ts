/**
 * A query the user has to fix: bad syntax, an unknown function, a field that does not exist after
 * `stats`. Carries the query text and the 1-based column so it can be shown with a caret.
 */
export class QueryError extends Error {
  override readonly name = 'QueryError';

  constructor(
    /** What was wrong and what is allowed, in one sentence. */
    readonly detail: string,
    readonly query?: string,
    /** 1-based column in `query` (columns count across lines, as the query was given). */
    readonly column?: number,
  ) {
    super(column === undefined ? detail : `${detail} (at column ${column})`);
  }

  /**
   * The message, then the query line with a caret under the column:
   *
   * ```
   * query error at column 15: expected a value after "=", found end of query
   *   filter level =
   *                 ^
   * ```
   */
  render(): string {
    if (this.query === undefined || this.column === undefined) return `query error: ${this.detail}`;
    const { line, lineColumn, lineNumber, lines } = locate(this.query, this.column);
    const where = lines > 1 ? `line ${lineNumber}, column ${lineColumn}` : `column ${lineColumn}`;
    // Tabs stay tabs under the echoed line so the caret lines up in any terminal.
    const caret = [...line.slice(0, lineColumn - 1)].map((c) => (c === '\t' ? '\t' : ' ')).join('') + '^';
    return `query error at ${where}: ${this.detail}\n  ${line}\n  ${caret}`;
  }
}

function locate(query: string, column: number) {
  const lines = query.split('\n');
  let offset = column - 1;
  for (let i = 0; i < lines.length; i++) {
    if (offset <= lines[i].length) {
      return { line: lines[i], lineColumn: offset + 1, lineNumber: i + 1, lines: lines.length };
    }
    offset -= lines[i].length + 1;
  }
  const last = lines[lines.length - 1];
  return { line: last, lineColumn: last.length + 1, lineNumber: lines.length, lines: lines.length };
}
