import type { FieldRef, QueryAst, SortKey, Stage, TimeRange } from '../ast.js';
import { type FieldMode, isRecordWise } from '../compile-js.js';
import { normalizeQuery } from '../normalize.js';
import { checkPipeline } from '../validate.js';
import { type Requirement, requirementsOf } from './needles.js';

/** Records may sit a little out of time order in a file (clock steps, batching): how far we trust the order. */
export const ORDER_SLACK_MS = 5 * 60_000;

export type SinkSpec =
  /** Matching rows in scan order; `need` stops the scan once that many are certain. */
  | { kind: 'rows'; need?: number }
  /** The first `k` rows by `keys`, ties in scan order. */
  | { kind: 'top'; keys: SortKey[]; k: number; mode: FieldMode }
  | { kind: 'stats'; stage: Extract<Stage, { kind: 'stats' }>; mode: FieldMode };

/** What every scanner (in-process or worker) needs to know: plain data. */
export interface ScanSpec {
  stages: Stage[];
  /** ISO bounds; records before `slackFrom` mean the (newest-first) scan is past the range. */
  range: { from?: string; to?: string; slackFrom?: string; slackTo?: string };
  requirements: Requirement[];
  /** Top-level keys the query reads, when it reads nothing else (else the line is JSON.parsed). */
  extract: string[] | null;
  /** `line`: rows are passed on as the line itself (no parse/fields stage changed them). */
  output: 'line' | 'row';
  sinks: SinkSpec[];
}

export interface QueryPlan {
  spec: ScanSpec;
  /** The time range in milliseconds (to choose files). */
  range: TimeRange;
  /** Per sink: the stages still to run on the collected rows, and the field mode they start in. */
  tails: Array<{ stages: Stage[]; mode: FieldMode }>;
  /** What the result rows are: whole records, or columns. */
  shape: FieldMode;
}

/**
 * Splits each query into what runs while scanning (record-wise stages and one sink per query)
 * and what runs afterwards on the collected rows. Queries planned together must share their
 * time range and record-wise stages: they are answered in one pass over the files.
 */
export function planQueries(queries: readonly QueryAst[]): QueryPlan {
  if (queries.length === 0) throw new Error('planQueries: no query');
  const asts = queries.map((q) => {
    checkPipeline(q);
    return normalizeQuery(q);
  });
  const first = asts[0];
  const split = (ast: QueryAst) => {
    let i = 0;
    while (i < ast.stages.length && isRecordWise(ast.stages[i])) i++;
    return i;
  };
  const scanLength = split(first);
  const stages = first.stages.slice(0, scanLength);
  for (const ast of asts.slice(1)) {
    if (
      JSON.stringify(ast.stages.slice(0, split(ast))) !== JSON.stringify(stages) ||
      JSON.stringify(ast.range) !== JSON.stringify(first.range)
    ) {
      throw new Error('queries answered in one pass must share their time range and filter stages');
    }
  }
  const scanMode: FieldMode = stages.some((s) => s.kind === 'fields') ? 'columns' : 'records';
  const changesRows = stages.some((s) => s.kind === 'parse' || s.kind === 'fields');
  const sinks: SinkSpec[] = [];
  const tails: QueryPlan['tails'] = [];
  const refs: FieldRef[] = [];
  for (const ast of asts) {
    let rest = ast.stages.slice(scanLength);
    const next = rest[0];
    if (next?.kind === 'sort' && isNewestFirst(next, stages)) {
      // Files are in time order and are read newest first: this sort changes nothing.
      rest = rest.slice(1);
    }
    const head = rest[0];
    if (head?.kind === 'stats') {
      sinks.push({ kind: 'stats', stage: head, mode: scanMode });
      tails.push({ stages: rest.slice(1), mode: 'columns' });
      for (const a of head.aggregates) if (a.field) refs.push(a.field);
      for (const k of head.by) refs.push(k.field);
    } else if (head?.kind === 'sort' && rest[1]?.kind === 'limit') {
      sinks.push({ kind: 'top', keys: head.keys, k: rest[1].offset + rest[1].count, mode: scanMode });
      tails.push({ stages: rest, mode: scanMode });
      for (const k of head.keys) refs.push(k.field);
    } else if (head?.kind === 'limit') {
      sinks.push({ kind: 'rows', need: head.offset + head.count });
      tails.push({ stages: rest, mode: scanMode });
    } else {
      sinks.push({ kind: 'rows' });
      tails.push({ stages: rest, mode: scanMode });
    }
  }
  const extract = extractKeys(stages, refs, scanMode, sinks);
  const { from, to } = first.range;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    spec: {
      stages,
      range: {
        from: iso(from),
        to: iso(to),
        slackFrom: iso(from === undefined ? undefined : from - ORDER_SLACK_MS),
        slackTo: iso(to === undefined ? undefined : to + ORDER_SLACK_MS),
      },
      requirements: requirementsOf(stages),
      extract,
      output: changesRows ? 'row' : 'line',
      sinks,
    },
    range: first.range,
    tails,
    shape: scanMode,
  };
}

/** `sort timestamp desc` on the record's own timestamp: the order records are read in. */
function isNewestFirst(stage: Extract<Stage, { kind: 'sort' }>, scanStages: readonly Stage[]): boolean {
  if (stage.keys.length !== 1 || stage.keys[0].field.text !== 'timestamp' || !stage.keys[0].desc) return false;
  for (const s of scanStages) {
    if (s.kind === 'parse' && s.names.includes('timestamp')) return false;
    if (s.kind === 'fields') {
      const projection = s.fields.find((p) => p.as === 'timestamp');
      if (!projection || projection.field.text !== 'timestamp') return false;
    }
  }
  return true;
}

/**
 * The top-level record keys the scan reads, or null when it needs whole records: a nested path
 * (`error.message`), or records that leave the scan with captured fields added.
 */
function extractKeys(
  stages: readonly Stage[],
  sinkRefs: readonly FieldRef[],
  scanMode: FieldMode,
  sinks: readonly SinkSpec[],
): string[] | null {
  const keys = new Set<string>();
  const derived = new Set<string>();
  let columns = false;
  const use = (ref: FieldRef): boolean => {
    if (columns || derived.has(ref.path[0])) return true;
    if (ref.path.length !== 1) return false;
    keys.add(ref.path[0]);
    return true;
  };
  for (const stage of stages) {
    if (!stageRefs(stage).every(use)) return null;
    if (stage.kind === 'parse') for (const name of stage.names) derived.add(name);
    if (stage.kind === 'fields') columns = true;
  }
  if (!sinkRefs.every(use)) return null;
  const outputsRecords = scanMode === 'records' && sinks.some((sink) => sink.kind !== 'stats');
  if (outputsRecords && derived.size > 0) return null;
  return [...keys];
}

function stageRefs(stage: Stage): FieldRef[] {
  switch (stage.kind) {
    case 'filter':
      return exprRefs(stage.where);
    case 'parse':
      return [stage.field];
    case 'fields':
      return stage.fields.map((p) => p.field);
    default:
      return [];
  }
}

function exprRefs(expr: import('../ast.js').Expr): FieldRef[] {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return expr.items.flatMap(exprRefs);
    case 'not':
      return exprRefs(expr.item);
    case 'text':
      return [];
    default:
      return [expr.field];
  }
}
