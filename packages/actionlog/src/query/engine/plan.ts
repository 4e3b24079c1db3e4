import type { Expr, FieldRef, QueryAst, SortKey, Stage, TimeRange } from '../ast.js';
import { type FieldMode, isRecordWise } from '../compile-js.js';
import { normalizeQuery } from '../normalize.js';
import { checkPipeline } from '../validate.js';
import { type Requirement, requirementsOf } from './needles.js';

/** Records may sit a little out of time order in a file (clock steps, batching): how far we trust the order. */
export const ORDER_SLACK_MS = 5 * 60_000;

interface SinkBase {
  /** Record-wise stages of this query alone, after the shared ones. */
  stages: Stage[];
  /** Field mode of the rows the sink gets (records: record-wise stages keep records records). */
  mode: FieldMode;
  /**
   * `line`: rows pass on as their line (nothing changed them); `row`: as objects (parse and
   * `fields … as` add fields); `projected`: as the final `fields` shows them (rows sinks whose
   * query ends there, so the scan does not ship whole records to be cut down afterwards).
   */
  output: 'line' | 'row' | 'projected';
}

export type SinkSpec = SinkBase &
  (
    | /** Matching rows in scan order; `need` stops the scan once that many are certain. */
    { kind: 'rows'; need?: number }
    /** The first `k` rows by `keys`, ties in scan order. */
    | { kind: 'top'; keys: SortKey[]; k: number }
    | { kind: 'stats'; stage: Extract<Stage, { kind: 'stats' }> }
  );

/** What every scanner (in-process or worker) needs to know: plain data. */
export interface ScanSpec {
  /** Record-wise stages every query shares. */
  stages: Stage[];
  /** ISO bounds; records before `slackFrom` mean the (newest-first) scan is past the range. */
  range: { from?: string; to?: string; slackFrom?: string };
  requirements: Requirement[];
  /** Top-level keys the queries read, when they read nothing else (else the line is JSON.parsed). */
  extract: string[] | null;
  sinks: SinkSpec[];
}

export interface QueryPlan {
  spec: ScanSpec;
  /** The time range in milliseconds (to choose files). */
  range: TimeRange;
  /** Per sink: the stages still to run on the collected rows, and the field mode they start in. */
  tails: Array<{ stages: Stage[]; mode: FieldMode }>;
}

/**
 * Splits queries into what runs while scanning (record-wise stages, then one sink per query)
 * and what runs afterwards on the collected rows. Queries planned together must share their
 * time range; the record-wise stages they have in common run once per record, and the lines
 * that cannot match those are skipped before parsing.
 */
export function planQueries(queries: readonly QueryAst[]): QueryPlan {
  if (queries.length === 0) throw new Error('planQueries: no query');
  const asts = queries.map((q) => {
    checkPipeline(q);
    return normalizeQuery(q);
  });
  const first = asts[0];
  for (const ast of asts) {
    if (JSON.stringify(ast.range) !== JSON.stringify(first.range)) {
      throw new Error('queries answered in one pass must share their time range');
    }
  }
  const recordWise = asts.map((ast) => {
    let i = 0;
    while (i < ast.stages.length && isRecordWise(ast.stages[i])) i++;
    return i;
  });
  let shared = Math.min(...recordWise);
  for (let i = 0; i < shared; i++) {
    const text = JSON.stringify(first.stages[i]);
    if (asts.some((ast) => JSON.stringify(ast.stages[i]) !== text)) {
      shared = i;
      break;
    }
  }
  const stages = first.stages.slice(0, shared);
  const sinks: SinkSpec[] = [];
  const tails: QueryPlan['tails'] = [];
  asts.forEach((ast, q) => {
    const own = ast.stages.slice(shared, recordWise[q]);
    const all = [...stages, ...own];
    const mode: FieldMode = 'records';
    const changes = all.some(
      (s) => s.kind === 'parse' || (s.kind === 'fields' && s.fields.some((p) => p.as !== p.field.text)),
    );
    const base: SinkBase = { stages: own, mode, output: changes ? 'row' : 'line' };
    let rest = ast.stages.slice(recordWise[q]);
    // Records are read newest first (files are in time order): this sort changes nothing.
    if (rest[0]?.kind === 'sort' && isNewestFirst(rest[0], all)) rest = rest.slice(1);
    const head = rest[0];
    if (head?.kind === 'stats') {
      sinks.push({ ...base, kind: 'stats', stage: head });
      tails.push({ stages: rest.slice(1), mode: 'columns' });
    } else if (head?.kind === 'sort' && rest[1]?.kind === 'limit') {
      sinks.push({ ...base, kind: 'top', keys: head.keys, k: rest[1].offset + rest[1].count });
      tails.push({ stages: rest, mode });
    } else {
      const need = head?.kind === 'limit' ? head.offset + head.count : undefined;
      // Nothing but limits after the scan: rows can leave it as they will be shown.
      const final = all.some((s) => s.kind === 'fields') && rest.every((s) => s.kind === 'limit');
      sinks.push({ ...base, kind: 'rows', need, output: final ? 'projected' : base.output });
      tails.push({ stages: rest, mode });
    }
  });

  const { from, to } = first.range;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    spec: {
      stages,
      range: {
        from: iso(from),
        to: iso(to),
        slackFrom: iso(from === undefined ? undefined : from - ORDER_SLACK_MS),
      },
      requirements: requirementsOf(stages),
      extract: extractKeys(stages, sinks),
      sinks,
    },
    range: first.range,
    tails,
  };
}

/** `sort timestamp desc` on the record's own timestamp: the order records are read in. */
function isNewestFirst(stage: Extract<Stage, { kind: 'sort' }>, scanStages: readonly Stage[]): boolean {
  if (stage.keys.length !== 1 || stage.keys[0].field.text !== 'timestamp' || !stage.keys[0].desc)
    return false;
  for (const s of scanStages) {
    if (s.kind === 'parse' && s.names.includes('timestamp')) return false;
    if (s.kind === 'fields' && s.fields.some((p) => p.as === 'timestamp' && p.field.text !== 'timestamp'))
      return false;
  }
  return true;
}

/**
 * The top-level record keys the scan reads, or null when it needs whole records: a nested path
 * (`error.message`), or records that leave the scan whole (with captured fields added).
 */
function extractKeys(shared: readonly Stage[], sinks: readonly SinkSpec[]): string[] | null {
  const keys = new Set<string>();
  for (const sink of sinks) {
    const derived = new Set<string>();
    const use = (ref: FieldRef): boolean => {
      if (derived.has(ref.path[0])) return true;
      if (ref.path.length !== 1) return false;
      keys.add(ref.path[0]);
      return true;
    };
    for (const stage of [...shared, ...sink.stages]) {
      if (!stageRefs(stage).every(use)) return null;
      if (stage.kind === 'parse') for (const name of stage.names) derived.add(name);
      if (stage.kind === 'fields') for (const p of stage.fields) if (p.as !== p.field.text) derived.add(p.as);
    }
    if (!sinkRefs(sink).every(use)) return null;
    // Records that leave the scan as objects leave it whole.
    if (sink.kind !== 'stats' && sink.output === 'row') return null;
  }
  return [...keys];
}

function sinkRefs(sink: SinkSpec): FieldRef[] {
  if (sink.kind === 'top') return sink.keys.map((k) => k.field);
  if (sink.kind === 'stats') {
    return [
      ...sink.stage.aggregates.flatMap((a) => (a.field ? [a.field] : [])),
      ...sink.stage.by.map((k) => k.field),
    ];
  }
  return [];
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

function exprRefs(expr: Expr): FieldRef[] {
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
