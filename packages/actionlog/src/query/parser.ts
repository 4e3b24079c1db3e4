import {
  AGGREGATE_FUNCTIONS,
  type Aggregate,
  type AggregateFunction,
  type CompareOp,
  type Expr,
  type FieldRef,
  type GroupKey,
  type Literal,
  MAX_LIMIT,
  type Projection,
  type QueryAst,
  type SortKey,
  type Stage,
  TIMESTAMP_FIELD,
} from './ast.js';
import { formatDuration } from './duration.js';
import { QueryError } from './errors.js';
import { type Token, tokenize } from './tokenizer.js';
import { checkPipeline } from './validate.js';

const STAGE_KEYWORDS = new Set(['filter', 'where', 'fields', 'stats', 'sort', 'limit', 'parse']);
const RESERVED = new Set(['and', 'or', 'not']);
const MIN_BIN_MS = 1_000;

/**
 * Parses the pipeline language (DESIGN.md §4) into a QueryAst:
 *
 * ```
 * filter level = "ERROR" and service in ["ChatService", "CaseService"] and duration_ms > 500
 * | fields timestamp, service, action, error.message
 * | stats count() as n, p95(duration_ms) by service, bin(5m)
 * | sort n desc
 * | limit 20
 * ```
 *
 * A first stage without a keyword is a filter (`"rate limit" and status = "failed"`). The time
 * range is not part of the text; pass it beside the query. Throws QueryError with the column.
 */
export function parsePipeline(text: string): QueryAst {
  const parser = new Parser(text, tokenize(text));
  const stages = parser.pipeline();
  const ast: QueryAst = { range: {}, stages };
  checkPipeline(ast, text);
  return ast;
}

/** Parses a filter expression alone (`status = "failed" and duration_ms > 500`). */
export function parseExpression(text: string): Expr {
  const parser = new Parser(text, tokenize(text));
  const expr = parser.expression();
  parser.expectEnd('"and", "or" or the end of the condition');
  return expr;
}

class Parser {
  private at = 0;

  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  pipeline(): Stage[] {
    const stages: Stage[] = [];
    if (this.peek().kind === 'end') return stages;
    for (;;) {
      stages.push(this.stage(stages.length === 0));
      const next = this.peek();
      if (next.kind === 'end') return stages;
      if (this.isPunct('|')) {
        this.at++;
        continue;
      }
      this.fail(next, `expected "|" before the next stage or the end of the query, found ${describe(next)}`);
    }
  }

  private stage(first: boolean): Stage {
    const token = this.peek();
    const keyword = token.kind === 'word' ? token.text.toLowerCase() : '';
    const isStage = STAGE_KEYWORDS.has(keyword) && this.peek(1).kind !== 'op';
    if (!isStage) {
      if (token.kind === 'end' || this.isPunct('|')) {
        this.fail(
          token,
          `expected a stage (filter, fields, stats, sort, limit, parse), found ${describe(token)}`,
        );
      }
      if (!first && token.kind === 'word') {
        this.fail(token, `unknown stage "${token.text}" (stages: filter, fields, stats, sort, limit, parse)`);
      }
      return { kind: 'filter', where: this.expression() };
    }
    this.at++;
    switch (keyword) {
      case 'filter':
      case 'where':
        if (this.peek().kind === 'end' || this.isPunct('|')) {
          this.fail(
            this.peek(),
            `expected a condition after "${token.text}", found ${describe(this.peek())}`,
          );
        }
        return { kind: 'filter', where: this.expression() };
      case 'fields':
        return { kind: 'fields', fields: this.projections() };
      case 'stats':
        return this.stats();
      case 'sort':
        return { kind: 'sort', keys: this.sortKeys() };
      case 'limit':
        return this.limit();
      default:
        return this.parse();
    }
  }

  expression(): Expr {
    return this.or();
  }

  expectEnd(what: string): void {
    const token = this.peek();
    if (token.kind !== 'end') this.fail(token, `expected ${what}, found ${describe(token)}`);
  }

  private or(): Expr {
    const items = [this.and()];
    while (this.isWord('or')) {
      this.at++;
      items.push(this.and());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  private and(): Expr {
    const items = [this.unary()];
    while (this.isWord('and')) {
      this.at++;
      items.push(this.unary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  private unary(): Expr {
    if (this.isWord('not')) {
      this.at++;
      return { kind: 'not', item: this.unary() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.peek();
    if (this.isPunct('(')) {
      this.at++;
      const inner = this.expression();
      this.expectPunct(')', 'to close "("');
      return inner;
    }
    if (token.kind === 'string') {
      this.at++;
      if ((token.value as string) === '')
        this.fail(token, 'empty search text: put a word or phrase between the quotes');
      return { kind: 'text', term: token.value as string, column: token.column };
    }
    if (token.kind === 'word' && token.text.toLowerCase() === 'exists' && this.isPunct('(', 1)) {
      this.at += 2;
      const field = this.field('a field name inside exists( )');
      this.expectPunct(')', 'to close "exists("');
      return { kind: 'exists', field };
    }
    if ((token.kind === 'word' && !RESERVED.has(token.text.toLowerCase())) || token.kind === 'path') {
      return this.condition();
    }
    return this.fail(
      token,
      `expected a condition (field = value, "search text", exists(field), not …, ( … )), found ${describe(token)}`,
    );
  }

  private condition(): Expr {
    const field = this.field('a field name');
    const token = this.peek();
    if (token.kind === 'op') {
      this.at++;
      const op = token.text as CompareOp;
      const valueToken = this.peek();
      const value = this.literal(`a value after "${op}" (a "string", a number, true, false or null)`);
      if (
        (op === '<' || op === '<=' || op === '>' || op === '>=') &&
        (value === null || typeof value === 'boolean')
      ) {
        this.fail(valueToken, `"${op}" compares numbers or strings, not ${String(value)}`);
      }
      return { kind: 'compare', field, op, value };
    }
    let negate = false;
    if (this.isWord('not') && ['in', 'like', 'contains'].includes(this.peek(1).text.toLowerCase())) {
      negate = true;
      this.at++;
    }
    const keyword = this.peek().kind === 'word' ? this.peek().text.toLowerCase() : '';
    let expr: Expr;
    if (keyword === 'in') {
      this.at++;
      expr = { kind: 'in', field, values: this.list() };
    } else if (keyword === 'like') {
      this.at++;
      const pattern = this.peek();
      if (pattern.kind !== 'regex') {
        this.fail(
          pattern,
          `expected a /regular expression/ after "like" (e.g. like /timeout/i; for a plain substring use contains), found ${describe(pattern)}`,
        );
      }
      this.at++;
      expr = { kind: 'like', field, pattern: pattern.value as string, flags: pattern.flags ?? '' };
    } else if (keyword === 'contains') {
      this.at++;
      const value = this.peek();
      if (value.kind !== 'string' && value.kind !== 'word') {
        this.fail(value, `expected a "string" after "contains", found ${describe(value)}`);
      }
      this.at++;
      expr = { kind: 'contains', field, value: value.kind === 'word' ? value.text : (value.value as string) };
    } else {
      return this.fail(
        token,
        `expected an operator after "${field.text}" (= != < <= > >= in like contains), found ${describe(token)}`,
      );
    }
    return negate ? { kind: 'not', item: expr } : expr;
  }

  private list(): Literal[] {
    this.expectPunct('[', 'to start the list after "in" (e.g. in ["a", "b"])');
    const values: Literal[] = [];
    if (this.isPunct(']')) this.fail(this.peek(), 'empty list after "in": give at least one value');
    for (;;) {
      values.push(this.literal('a value in the list (a "string", a number, true, false or null)'));
      if (this.isPunct(',')) {
        this.at++;
        continue;
      }
      this.expectPunct(']', 'or "," in the list');
      return values;
    }
  }

  private literal(what: string): Literal {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.at++;
        return token.value as string;
      case 'number':
        this.at++;
        return token.value as number;
      case 'word': {
        const lower = token.text.toLowerCase();
        if (RESERVED.has(lower)) break;
        this.at++;
        if (lower === 'true') return true;
        if (lower === 'false') return false;
        if (lower === 'null') return null;
        // A bare word is a string: `status = failed` reads as people type it.
        return token.text;
      }
    }
    return this.fail(token, `expected ${what}, found ${describe(token)}`);
  }

  private field(what: string): FieldRef {
    const token = this.peek();
    if ((token.kind === 'word' && !RESERVED.has(token.text.toLowerCase())) || token.kind === 'path') {
      this.at++;
      const path = token.value as string[];
      return { path, text: path.join('.'), column: token.column };
    }
    return this.fail(token, `expected ${what}, found ${describe(token)}`);
  }

  private name(what: string): string {
    const token = this.peek();
    if (token.kind === 'word' || token.kind === 'string') {
      this.at++;
      const name = token.kind === 'word' ? token.text : (token.value as string);
      if (name === '') this.fail(token, 'a column name cannot be empty');
      return name;
    }
    return this.fail(token, `expected ${what}, found ${describe(token)}`);
  }

  private alias(defaultName: string): string {
    if (!this.isWord('as')) return defaultName;
    this.at++;
    return this.name('a column name after "as"');
  }

  private projections(): Projection[] {
    const fields: Projection[] = [];
    for (;;) {
      const field = this.field('a field name to show (e.g. fields timestamp, service, error.message)');
      fields.push({ field, as: this.alias(field.text) });
      if (!this.isPunct(',')) return fields;
      this.at++;
    }
  }

  private stats(): Stage {
    const aggregates: Aggregate[] = [];
    for (;;) {
      aggregates.push(this.aggregate());
      if (!this.isPunct(',')) break;
      this.at++;
    }
    const by: GroupKey[] = [];
    if (this.isWord('by')) {
      this.at++;
      for (;;) {
        by.push(this.groupKey());
        if (!this.isPunct(',')) break;
        this.at++;
      }
    } else if (this.peek().kind !== 'end' && !this.isPunct('|')) {
      this.fail(
        this.peek(),
        `expected "," "by" "|" or the end of the query after the aggregate, found ${describe(this.peek())}`,
      );
    }
    return { kind: 'stats', aggregates, by };
  }

  private aggregate(): Aggregate {
    const token = this.peek();
    const functions = AGGREGATE_FUNCTIONS.map((f) => `${f}()`).join(' ');
    if (token.kind !== 'word' || !this.isPunct('(', 1)) {
      this.fail(token, `expected an aggregate (${functions}), found ${describe(token)}`);
    }
    const fn = token.text.toLowerCase() as AggregateFunction;
    if (!AGGREGATE_FUNCTIONS.includes(fn)) {
      this.fail(token, `unknown aggregate "${token.text}" (allowed: ${AGGREGATE_FUNCTIONS.join(', ')})`);
    }
    this.at += 2;
    let field: FieldRef | undefined;
    if (!this.isPunct(')')) field = this.field(`a field name inside ${fn}( )`);
    else if (fn !== 'count') this.fail(this.peek(), `${fn}( ) needs a field, e.g. ${fn}(duration_ms)`);
    this.expectPunct(')', `to close "${fn}("`);
    return { fn, field, as: this.alias(`${fn}(${field?.text ?? ''})`), column: token.column };
  }

  private groupKey(): GroupKey {
    const token = this.peek();
    if (token.kind === 'word' && token.text.toLowerCase() === 'bin' && this.isPunct('(', 1)) {
      this.at += 2;
      const size = this.peek();
      if (size.kind !== 'duration') {
        this.fail(
          size,
          `expected a duration inside bin( ) (e.g. bin(5m); units: s m h d w), found ${describe(size)}`,
        );
      }
      const ms = size.value as number;
      if (ms < MIN_BIN_MS || !Number.isInteger(ms / MIN_BIN_MS)) {
        this.fail(size, 'bin( ) needs a whole number of seconds, at least 1s');
      }
      this.at++;
      let field = TIMESTAMP_FIELD;
      if (this.isPunct(',')) {
        this.at++;
        field = this.field('the timestamp field inside bin( )');
      }
      this.expectPunct(')', 'to close "bin("');
      const onTimestamp = field.path.length === 1 && field.path[0] === 'timestamp';
      const text = onTimestamp ? `bin(${formatDuration(ms)})` : `bin(${formatDuration(ms)}, ${field.text})`;
      return { kind: 'bin', ms, field, as: this.alias(text) };
    }
    const field = this.field('a field to group by, or bin(5m)');
    return { kind: 'field', field, as: this.alias(field.text) };
  }

  private sortKeys(): SortKey[] {
    const keys: SortKey[] = [];
    for (;;) {
      let field: FieldRef;
      const token = this.peek();
      if (token.kind === 'word' && this.isPunct('(', 1)) {
        // `sort count() desc`, `sort bin(1h)`: names a stats column as written there.
        this.at += 2;
        const parts: string[] = [];
        while (!this.isPunct(')')) {
          const part = this.peek();
          if (part.kind !== 'word' && part.kind !== 'path' && part.kind !== 'duration') {
            this.fail(part, `expected a field or ")" in "${token.text}( )", found ${describe(part)}`);
          }
          parts.push(part.kind === 'path' ? (part.value as string[]).join('.') : part.text);
          this.at++;
          if (this.isPunct(',')) this.at++;
        }
        this.at++;
        const text = `${token.text.toLowerCase()}(${parts.join(', ')})`;
        field = { path: [text], text, column: token.column };
      } else {
        field = this.field('a field to sort by (e.g. sort duration_ms desc)');
      }
      let desc = false;
      if (this.isWord('desc')) {
        desc = true;
        this.at++;
      } else if (this.isWord('asc')) {
        this.at++;
      }
      keys.push({ field, desc });
      if (!this.isPunct(',')) return keys;
      this.at++;
    }
  }

  private limit(): Stage {
    const count = this.count('a number of rows after "limit" (e.g. limit 20)');
    let offset = 0;
    if (this.isWord('offset')) {
      this.at++;
      offset = this.count('a number of rows to skip after "offset"', true);
    }
    return { kind: 'limit', count, offset };
  }

  private count(what: string, zeroAllowed = false): number {
    const token = this.peek();
    const value = token.value as number;
    if (
      token.kind !== 'number' ||
      !Number.isInteger(value) ||
      value < (zeroAllowed ? 0 : 1) ||
      value > MAX_LIMIT
    ) {
      this.fail(
        token,
        `expected ${what}: a whole number from ${zeroAllowed ? 0 : 1} to ${MAX_LIMIT}, found ${describe(token)}`,
      );
    }
    this.at++;
    return value;
  }

  private parse(): Stage {
    const field = this.field('the field to parse (e.g. parse message "Tool use: *" as tool_name)');
    const token = this.peek();
    if (token.kind === 'string') {
      this.at++;
      const pattern = token.value as string;
      const stars = pattern.split('*').length - 1;
      if (stars === 0) this.fail(token, 'the parse pattern needs a * where each value to capture is');
      const names = this.captureNames(stars, `${stars} name(s), one for each *`);
      return { kind: 'parse', field, pattern, regex: false, flags: '', names };
    }
    if (token.kind === 'regex') {
      this.at++;
      const regex = new RegExp(token.value as string, token.flags);
      const groups = new RegExp(`${regex.source}|`).exec('')!.length - 1;
      const named = [...(token.value as string).matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]);
      if (groups === 0)
        this.fail(token, 'the parse regular expression needs a (capturing group) for each value');
      const names =
        this.isWord('as') || named.length !== groups
          ? this.captureNames(groups, `${groups} name(s), one for each (group)`)
          : named;
      return {
        kind: 'parse',
        field,
        pattern: token.value as string,
        regex: true,
        flags: token.flags ?? '',
        names,
      };
    }
    return this.fail(
      token,
      `expected a "pattern with *" or a /regex/ after the field, found ${describe(token)}`,
    );
  }

  private captureNames(count: number, what: string): string[] {
    if (!this.isWord('as'))
      this.fail(this.peek(), `expected "as" and ${what}, found ${describe(this.peek())}`);
    this.at++;
    const names: string[] = [];
    for (;;) {
      const token = this.peek();
      names.push(this.name(`a name for the captured value`));
      if (names.length > count) this.fail(token, `too many names: the pattern captures ${count} value(s)`);
      if (!this.isPunct(',')) break;
      this.at++;
    }
    if (names.length < count) this.fail(this.peek(), `expected ${what}: got ${names.length}`);
    return names;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.at + ahead, this.tokens.length - 1)];
  }

  private isWord(word: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'word' && token.text.toLowerCase() === word;
  }

  private isPunct(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'punct' && token.text === text;
  }

  private expectPunct(text: string, why: string): void {
    const token = this.peek();
    if (!this.isPunct(text)) this.fail(token, `expected "${text}" ${why}, found ${describe(token)}`);
    this.at++;
  }

  private fail(token: Token, detail: string): never {
    throw new QueryError(detail, this.query, token.column);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of query';
    case 'string':
      return `the string ${token.text}`;
    case 'regex':
      return `the regular expression ${token.text}`;
    case 'punct':
    case 'op':
      return `"${token.text}"`;
    default:
      return `"${token.text}"`;
  }
}
