import { FAILURE_STATUSES } from '../../record/record.js';
import type { Expr, QueryAst, Row, Stage } from '../ast.js';
import { parsePipeline } from '../parser.js';
import { cellText, formatTable } from './format-rows.js';

/** The `stats` summary of a set of records: what an operator looks at first. */
export interface Summary {
  records: number;
  sessions: number;
  first: string | null;
  last: string | null;
  /** Records at level ERROR or above, or with a failure status. */
  errors: number;
  /** errors / records (0 when there are no records). */
  errorRate: number;
  byLevel: Count[];
  byCategory: Count[];
  byAction: Count[];
  byStatus: Count[];
  byService: Count[];
  /** The hours (UTC) with the most records, busiest first. */
  busiestHours: Count[];
  /** Per action with durations, slowest p95 first. */
  durations: Array<{
    action: string | null;
    count: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
  }>;
  /** The slowest single records. */
  slowest: Row[];
}

export interface Count {
  name: string | null;
  count: number;
}

const LEVEL_ORDER = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

/**
 * The queries behind a summary, answered in one pass over the files: each starts with the
 * given filter stages (and time range) and adds its own aggregation.
 */
export function summaryQueries(base: QueryAst): QueryAst[] {
  const failures = [...FAILURE_STATUSES].map((s) => JSON.stringify(s)).join(', ');
  const tails = [
    'stats count() as records, count_distinct(session_id) as sessions, min(timestamp) as first, max(timestamp) as last',
    `filter level >= "ERROR" or status in [${failures}] | stats count() as errors`,
    'stats count() as n by level',
    'stats count() as n by category | sort n desc',
    'stats count() as n by action | sort n desc',
    'stats count() as n by status | sort n desc',
    'stats count() as n by service | sort n desc',
    'stats count() as n by bin(1h) as hour | sort n desc | limit 5',
    'filter exists(duration_ms) | stats count() as n, p50(duration_ms) as p50, p95(duration_ms) as p95, p99(duration_ms) as p99 by action | sort p95 desc',
    'filter exists(duration_ms) | sort duration_ms desc | limit 10 | fields timestamp, service, action, status, duration_ms, session_id',
  ];
  return tails.map((tail) => ({
    range: base.range,
    stages: [...base.stages, ...parsePipeline(tail).stages],
  }));
}

/** A base query for a summary: the time range and the conditions (all must hold). */
export function summaryBase(range: QueryAst['range'], conditions: Expr[]): QueryAst {
  const stages: Stage[] = conditions.length
    ? [
        {
          kind: 'filter',
          where: conditions.length === 1 ? conditions[0] : { kind: 'and', items: conditions },
        },
      ]
    : [];
  return { range, stages };
}

export function buildSummary(results: ReadonlyArray<{ rows: Row[] }>): Summary {
  const [totals, errors, levels, categories, actions, statuses, services, hours, durations, slowest] =
    results.map((r) => r.rows);
  const counts = (rows: Row[], key: string): Count[] =>
    rows.map((row) => ({ name: (row[key] ?? null) as string | null, count: row.n as number }));
  const total = (totals[0]?.records as number) ?? 0;
  const errorCount = (errors[0]?.errors as number) ?? 0;
  return {
    records: total,
    sessions: (totals[0]?.sessions as number) ?? 0,
    first: (totals[0]?.first as string | null) ?? null,
    last: (totals[0]?.last as string | null) ?? null,
    errors: errorCount,
    errorRate: total === 0 ? 0 : errorCount / total,
    byLevel: counts(levels, 'level').sort(
      (a, b) => LEVEL_ORDER.indexOf(a.name ?? '') - LEVEL_ORDER.indexOf(b.name ?? ''),
    ),
    byCategory: counts(categories, 'category'),
    byAction: counts(actions, 'action'),
    byStatus: counts(statuses, 'status'),
    byService: counts(services, 'service'),
    busiestHours: counts(hours, 'hour'),
    durations: durations.map((row) => ({
      action: (row.action ?? null) as string | null,
      count: row.n as number,
      p50: row.p50 as number | null,
      p95: row.p95 as number | null,
      p99: row.p99 as number | null,
    })),
    slowest,
  };
}

export interface SummaryFormat {
  color: boolean;
  width: number;
  /** Rows per distribution (the rest are summed up as "… N more"). */
  top?: number;
}

/** The summary as text sections with aligned tables. */
export function formatSummary(summary: Summary, options: SummaryFormat): string {
  const top = options.top ?? 10;
  const bold = (text: string) => (options.color ? `\u001b[1m${text}\u001b[22m` : text);
  const number = (n: number) => n.toLocaleString('en-US');
  const out: string[] = [];
  const span =
    summary.first && summary.last
      ? `  ${summary.first.replace('T', ' ').slice(0, 16)} → ${summary.last.replace('T', ' ').slice(0, 16)} UTC`
      : '';
  out.push(`${bold('records')}   ${number(summary.records)}${span}`);
  out.push(`${bold('sessions')}  ${number(summary.sessions)}`);
  out.push(
    `${bold('errors')}    ${number(summary.errors)} (${(summary.errorRate * 100).toFixed(1)}%)  level ≥ ERROR or status ${[...FAILURE_STATUSES].join('/')}`,
  );
  const table = (title: string, rows: Row[], columns: string[]) => {
    if (rows.length === 0) return;
    out.push(
      '',
      bold(title),
      formatTable(rows, columns, 'columns', { width: options.width, color: options.color }),
    );
  };
  const distribution = (title: string, counts: Count[]) => {
    const shown = counts.slice(0, top);
    const rest = counts.slice(top);
    const rows: Row[] = shown.map((c) => ({
      [title]: c.name ?? '(none)',
      count: c.count,
      '%': percent(c.count, summary.records),
      '': bar(c.count, summary.records),
    }));
    if (rest.length > 0) {
      const count = rest.reduce((s, c) => s + c.count, 0);
      rows.push({ [title]: `… ${rest.length} more`, count, '%': percent(count, summary.records), '': '' });
    }
    table(`by ${title}`, rows, [title, 'count', '%', '']);
  };
  distribution('level', summary.byLevel);
  distribution('category', summary.byCategory);
  distribution('service', summary.byService);
  distribution('action', summary.byAction);
  distribution('status', summary.byStatus);
  table(
    'busiest hours (UTC)',
    summary.busiestHours.map((h) => ({
      hour: cellText(h.name).replace('T', ' ').slice(0, 16),
      records: h.count,
    })),
    ['hour', 'records'],
  );
  table(
    'duration by action (ms), slowest p95 first',
    summary.durations
      .slice(0, top)
      .map((d) => ({ action: d.action ?? '(none)', count: d.count, p50: d.p50, p95: d.p95, p99: d.p99 })),
    ['action', 'count', 'p50', 'p95', 'p99'],
  );
  table(
    'slowest records',
    summary.slowest.map((r) => ({ ...r, timestamp: cellText(r.timestamp) })),
    ['timestamp', 'service', 'action', 'status', 'duration_ms', 'session_id'],
  );
  return out.join('\n');
}

function percent(count: number, total: number): string {
  return total === 0 ? '' : `${((count / total) * 100).toFixed(1)}%`;
}

function bar(count: number, total: number): string {
  if (total === 0) return '';
  const cells = Math.round((count / total) * 20);
  return '█'.repeat(cells);
}
