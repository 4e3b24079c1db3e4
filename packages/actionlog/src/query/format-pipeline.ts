import type { Expr, FieldRef, Literal, QueryAst, Stage } from './ast.js';
import { formatDuration } from './duration.js';

const IDENT = /^[A-Za-z_@$][A-Za-z0-9_@$]*$/;
const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'like',
  'contains',
  'true',
  'false',
  'null',
  'as',
  'by',
  'asc',
  'desc',
  'offset',
]);

/**
 * The pipeline text of a query (the time range is not part of the text). Parsing the result
 * gives the same AST back, so a query built in code can be shown, stored or sent as text.
 */
export function formatPipeline(ast: QueryAst): string {
  let columns = false;
  return ast.stages
    .map((stage) => {
      const text = formatStage(stage, columns);
      if (stage.kind === 'fields' || stage.kind === 'stats') columns = true;
      return text;
    })
    .join(' | ');
}

function formatStage(stage: Stage, columns: boolean): string {
  const field = (ref: FieldRef) => formatField(ref, columns);
  switch (stage.kind) {
    case 'filter':
      return `filter ${formatExpr(stage.where, columns, false)}`;
    case 'fields':
      return `fields ${stage.fields.map((p) => field(p.field) + alias(p.as, p.field.text)).join(', ')}`;
    case 'parse': {
      const pattern = stage.regex ? `/${stage.pattern}/${stage.flags}` : JSON.stringify(stage.pattern);
      return `parse ${field(stage.field)} ${pattern} as ${stage.names.map(formatName).join(', ')}`;
    }
    case 'stats': {
      const aggregates = stage.aggregates.map((a) => {
        const call = `${a.fn}(${a.field ? field(a.field) : ''})`;
        return call + alias(a.as, `${a.fn}(${a.field?.text ?? ''})`);
      });
      const by = stage.by.map((key) => {
        if (key.kind === 'field') return field(key.field) + alias(key.as, key.field.text);
        const onTimestamp = key.field.path.length === 1 && key.field.path[0] === 'timestamp';
        const width = formatDuration(key.ms);
        const call = onTimestamp ? `bin(${width})` : `bin(${width}, ${field(key.field)})`;
        return call + alias(key.as, onTimestamp ? `bin(${width})` : `bin(${width}, ${key.field.text})`);
      });
      return `stats ${aggregates.join(', ')}${by.length ? ` by ${by.join(', ')}` : ''}`;
    }
    case 'sort':
      return `sort ${stage.keys.map((k) => `${formatSortField(k.field, columns)}${k.desc ? ' desc' : ''}`).join(', ')}`;
    case 'limit':
      return `limit ${stage.count}${stage.offset ? ` offset ${stage.offset}` : ''}`;
  }
}

function alias(as: string, defaultName: string): string {
  return as === defaultName ? '' : ` as ${formatName(as)}`;
}

function formatName(name: string): string {
  return IDENT.test(name) && !KEYWORDS.has(name.toLowerCase()) ? name : JSON.stringify(name);
}

function formatField(ref: FieldRef, columns: boolean): string {
  const segments = columns ? [ref.text] : ref.path;
  return segments.map((s) => (IDENT.test(s) && !KEYWORDS.has(s.toLowerCase()) ? s : `\`${s}\``)).join('.');
}

function formatSortField(ref: FieldRef, columns: boolean): string {
  if (columns && /^[a-z_0-9]+\([A-Za-z0-9_.@$]*\)$/.test(ref.text)) return ref.text;
  return formatField(ref, columns);
}

export function formatExpr(expr: Expr, columns = false, nested = false): string {
  const field = (ref: FieldRef) => formatField(ref, columns);
  switch (expr.kind) {
    case 'and':
    case 'or': {
      const text = expr.items.map((item) => formatExpr(item, columns, true)).join(` ${expr.kind} `);
      return nested ? `(${text})` : text;
    }
    case 'not':
      return `not ${formatExpr(expr.item, columns, true)}`;
    case 'compare':
      return `${field(expr.field)} ${expr.op} ${formatLiteral(expr.value)}`;
    case 'in':
      return `${field(expr.field)} in [${expr.values.map(formatLiteral).join(', ')}]`;
    case 'contains':
      return `${field(expr.field)} contains ${JSON.stringify(expr.value)}`;
    case 'like':
      return `${field(expr.field)} like /${expr.pattern}/${expr.flags}`;
    case 'exists':
      return `exists(${field(expr.field)})`;
    case 'text':
      return JSON.stringify(expr.term);
  }
}

export function formatLiteral(value: Literal): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
