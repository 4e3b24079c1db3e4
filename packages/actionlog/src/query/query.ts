import {
  type AggregateFunction,
  type CompareOp,
  type Expr,
  fieldRef,
  type GroupKey,
  type Literal,
  type QueryAst,
  type Stage,
  TIMESTAMP_FIELD,
} from './ast.js';
import { parseDuration } from './duration.js';
import { QueryError } from './errors.js';
import { formatPipeline } from './format-pipeline.js';
import { parseExpression, parsePipeline } from './parser.js';
import { checkPipeline } from './validate.js';

export type TimeInput = Date | number | string;
export type WhereOp = CompareOp | 'in' | 'not in' | 'contains' | 'like' | 'exists';

export interface AggregateSpec {
  fn: AggregateFunction;
  field?: string;
  as?: string;
}

export interface StatsOptions {
  /** Fields to group by. */
  by?: string[];
  /** Time bucket width (`5m`, or milliseconds), grouped after the `by` fields. */
  bin?: string | number;
}

/**
 * A query built in code; the same model the pipeline text parses to. Immutable: every method
 * returns a new Query, so a base query can be extended in several directions.
 *
 * ```ts
 * const q = new Query()
 *   .since('1h')
 *   .where('status', '=', 'failed')
 *   .where('service', 'in', ['ChatService', 'CaseService'])
 *   .text('rate limit')
 *   .limit(100);
 * const { rows } = await engine.run(q);
 * ```
 */
export class Query {
  readonly ast: QueryAst;

  constructor(ast: QueryAst = { range: {}, stages: [] }) {
    checkPipeline(ast);
    this.ast = ast;
  }

  /** A query from pipeline text (`filter … | stats … | sort … | limit …`). */
  static parse(text: string): Query {
    return new Query(parsePipeline(text));
  }

  /** Records from `from` (inclusive) to `to` (exclusive). */
  between(from: TimeInput, to: TimeInput): Query {
    return this.withRange({ from: toMs(from, 'from'), to: toMs(to, 'to') });
  }

  from(time: TimeInput): Query {
    return this.withRange({ ...this.ast.range, from: toMs(time, 'from') });
  }

  to(time: TimeInput): Query {
    return this.withRange({ ...this.ast.range, to: toMs(time, 'to') });
  }

  /** The last `duration` (`15m`, `1h`, `7d`, or milliseconds) up to now. */
  since(duration: string | number, now: number = Date.now()): Query {
    const ms = typeof duration === 'number' ? duration : parseDuration(duration);
    if (ms === undefined || !(ms > 0)) {
      throw new QueryError(`since: "${duration}" is not a duration (e.g. 30s, 15m, 1h, 7d)`);
    }
    return this.withRange({ from: now - ms, to: undefined });
  }

  /**
   * Adds a condition, and-ed with the conditions just before it:
   * `.where('status', '=', 'failed')`, `.where('service', 'in', [...])`,
   * `.where('message', 'like', /timeout/i)`, `.where('error', 'exists')`, or a condition as text:
   * `.where('duration_ms > 500 or level >= "ERROR"')`.
   */
  where(field: string, op?: WhereOp, value?: Literal | Literal[] | RegExp): Query {
    if (op === undefined) return this.and(parseExpression(field));
    return this.and(condition(field, op, value));
  }

  /** Full-text: the term occurs in the record's line, ignoring case. */
  text(term: string): Query {
    return this.and({ kind: 'text', term });
  }

  /** Appends a `parse` stage: `parse('message', 'Tool use: *', ['tool_name'])`. */
  parse(field: string, pattern: string | RegExp, names: string[]): Query {
    const stage: Stage =
      typeof pattern === 'string'
        ? { kind: 'parse', field: fieldRef(field), pattern, regex: false, flags: '', names }
        : {
            kind: 'parse',
            field: fieldRef(field),
            pattern: pattern.source,
            regex: true,
            flags: pattern.flags,
            names,
          };
    return this.append(stage);
  }

  /** Shows only these fields (`'error.message'`, or `{ field, as }`); later stages still see all of them. */
  fields(...fields: Array<string | { field: string; as: string }>): Query {
    return this.append({
      kind: 'fields',
      fields: fields.map((f) =>
        typeof f === 'string' ? { field: fieldRef(f), as: f } : { field: fieldRef(f.field), as: f.as },
      ),
    });
  }

  /**
   * Aggregates: `.stats('count() as n, p95(duration_ms) by service, bin(5m)')`, or
   * `.stats([{ fn: 'count', as: 'n' }, { fn: 'p95', field: 'duration_ms' }], { by: ['service'], bin: '5m' })`.
   */
  stats(spec: string | Array<AggregateSpec | string>, options: StatsOptions = {}): Query {
    if (typeof spec === 'string') return this.pipe(`stats ${spec}`);
    const aggregates = spec.map((a) => {
      if (typeof a === 'string') {
        const parsed = parsePipeline(`stats ${a}`).stages[0];
        if (parsed.kind !== 'stats' || parsed.by.length > 0)
          throw new QueryError(`stats: "${a}" is not one aggregate`);
        return parsed.aggregates[0];
      }
      return {
        fn: a.fn,
        field: a.field === undefined ? undefined : fieldRef(a.field),
        as: a.as ?? `${a.fn}(${a.field ?? ''})`,
      };
    });
    const by: GroupKey[] = (options.by ?? []).map((f) => ({ kind: 'field', field: fieldRef(f), as: f }));
    if (options.bin !== undefined) {
      const ms = typeof options.bin === 'number' ? options.bin : parseDuration(options.bin);
      if (ms === undefined)
        throw new QueryError(`stats: bin "${options.bin}" is not a duration (e.g. 5m, 1h)`);
      const name = typeof options.bin === 'string' ? `bin(${options.bin})` : `bin(${ms}ms)`;
      by.push({ kind: 'bin', ms, field: TIMESTAMP_FIELD, as: name });
    }
    return this.append({ kind: 'stats', aggregates, by });
  }

  sort(field: string, direction: 'asc' | 'desc' = 'asc'): Query {
    return this.append({ kind: 'sort', keys: [{ field: fieldRef(field), desc: direction === 'desc' }] });
  }

  limit(count: number, offset = 0): Query {
    return this.append({ kind: 'limit', count, offset });
  }

  /** Appends the stages of a pipeline text: `q.pipe('stats count() by service | sort count() desc')`. */
  pipe(text: string): Query {
    const parsed = parsePipeline(text);
    return new Query({ range: this.ast.range, stages: [...this.ast.stages, ...parsed.stages] });
  }

  toAST(): QueryAst {
    return structuredClone(this.ast);
  }

  /** The pipeline text (without the time range). */
  toString(): string {
    return formatPipeline(this.ast);
  }

  private withRange(range: QueryAst['range']): Query {
    return new Query({ range, stages: this.ast.stages });
  }

  private append(stage: Stage): Query {
    return new Query({ range: this.ast.range, stages: [...this.ast.stages, stage] });
  }

  private and(expr: Expr): Query {
    const stages = this.ast.stages.slice();
    const last = stages[stages.length - 1];
    if (last?.kind === 'filter') {
      const items = last.where.kind === 'and' ? [...last.where.items, expr] : [last.where, expr];
      stages[stages.length - 1] = { kind: 'filter', where: { kind: 'and', items } };
    } else {
      stages.push({ kind: 'filter', where: expr });
    }
    return new Query({ range: this.ast.range, stages });
  }
}

/** A QueryAst from any of the forms the engines accept. */
export function toQueryAst(query: Query | QueryAst | string): QueryAst {
  if (typeof query === 'string') return parsePipeline(query);
  if (query instanceof Query) return query.ast;
  checkPipeline(query);
  return query;
}

function condition(field: string, op: WhereOp, value: Literal | Literal[] | RegExp | undefined): Expr {
  const ref = fieldRef(field);
  switch (op) {
    case 'exists':
      return { kind: 'exists', field: ref };
    case 'in':
    case 'not in': {
      if (!Array.isArray(value) || value.length === 0)
        throw new QueryError(`where ${field} ${op}: give a non-empty array`);
      const expr: Expr = { kind: 'in', field: ref, values: value };
      return op === 'in' ? expr : { kind: 'not', item: expr };
    }
    case 'contains':
      if (typeof value !== 'string') throw new QueryError(`where ${field} contains: give a string`);
      return { kind: 'contains', field: ref, value };
    case 'like': {
      const regex =
        value instanceof RegExp ? value : typeof value === 'string' ? new RegExp(value) : undefined;
      if (!regex) throw new QueryError(`where ${field} like: give a RegExp or a pattern string`);
      return { kind: 'like', field: ref, pattern: regex.source, flags: regex.flags.replace(/[gy]/g, '') };
    }
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (value === undefined || Array.isArray(value) || value instanceof RegExp) {
        throw new QueryError(`where ${field} ${op}: give a string, number, boolean or null`);
      }
      if (op !== '=' && op !== '!=' && (value === null || typeof value === 'boolean')) {
        throw new QueryError(`where ${field} ${op}: compares numbers or strings, not ${String(value)}`);
      }
      return { kind: 'compare', field: ref, op, value };
    }
    default:
      throw new QueryError(
        `where: unknown operator "${op}" (allowed: = != < <= > >= in "not in" contains like exists)`,
      );
  }
}

function toMs(time: TimeInput, what: string): number {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms))
    throw new QueryError(
      `${what}: "${String(time)}" is not a date (use ISO 8601, e.g. 2026-11-23T10:00:00Z)`,
    );
  return ms;
}
