import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { GroupTable } from '../aggregates.js';
import type { QueryAst, Row, Stage } from '../ast.js';
import {
  compileAggregator,
  compileComparator,
  compileRowSteps,
  type FieldMode,
  isRecordWise,
  outputColumns,
  projectionOf,
  type RowStep,
  runStages,
} from '../compile-js.js';
import { type Query, toQueryAst } from '../query.js';
import { AsyncQueue } from './async-queue.js';
import { planQueries, type QueryPlan } from './plan.js';
import { defaultWorkerScript, InlineRunner, type UnitRunner, WorkerRunner } from './scan-pool.js';
import type { Item, TopItem, UnitResult } from './scanner.js';
import { narrowByTime, planUnits, type SourceFile, selectSources } from './sources.js';
import type { Unit } from './unit-reader.js';

export type QueryInput = Query | QueryAst | string;

export interface FileEngineOptions {
  /** The log directory (`--dir`), e.g. `./logs`. */
  dir: string;
  /** A sub-stream of it (`audit`, `errors`); default the main stream, which holds every record. */
  stream?: string;
  /** Worker threads: a number, or `auto` (all cores, when there is enough to read). Default `auto`. */
  workers?: number | 'auto';
  /** The compiled scan-worker module; found next to this one when built. */
  workerScript?: URL;
}

export interface RunOptions {
  /**
   * The segments to read and how much of each (from `sources()`), instead of what is on disk
   * now: `tail -f` shows the last lines up to these sizes, then follows from exactly there.
   */
  sources?: readonly SourceFile[];
  /** Called after each piece of work with bytes done and bytes planned. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

export interface ScanStats {
  files: number;
  /** Bytes read (uncompressed). */
  bytes: number;
  /** Lines turned into records; the rest were skipped before parsing (needle, time range). */
  parsed: number;
  matched: number;
  /** Lines that are not JSON objects: counted, skipped. */
  corrupt: number;
  /** Unterminated last lines that do not parse (a crash, or a write in progress). */
  torn: number;
  /** Files that could not be read (removed meanwhile, truncated gzip), with the reason. */
  errors: string[];
  workers: number;
  elapsedMs: number;
}

export interface QueryResult {
  rows: Row[];
  /** `records`: whole records; `columns`: flat rows with `columns` in order. */
  shape: FieldMode;
  columns?: string[];
  stats: ScanStats;
}

/** Rows that may wait for their turn before units are scanned in order again. */
const HELD_BYTES = 64 << 20;
/** Below this many bytes, starting workers costs more than it saves. */
const WORKER_MIN_BYTES = 48 << 20;
const MAX_WORKERS = 4;

/**
 * Answers queries over the JSONL segments of a log directory (plain and `.jsonl.gz`):
 * segments are chosen by the day in their names, lines that cannot match are skipped before
 * JSON.parse, corrupt and torn lines are counted, and a limit stops the scan early. Records come
 * newest first unless the query sorts otherwise. Large scans run on worker threads.
 *
 * Files are assumed to be in time order, as one writer appends them: reading them backwards is
 * newest first, a limit needs only the last pieces, and a time range skips the parts outside it.
 */
export class FileEngine {
  readonly dir: string;
  private readonly workers: number | 'auto';
  private readonly workerScript: URL | undefined;

  constructor(options: FileEngineOptions) {
    const base = resolve(options.dir);
    this.dir = options.stream ? join(base, options.stream) : base;
    this.workers = options.workers ?? 'auto';
    this.workerScript = options.workerScript ?? defaultWorkerScript();
  }

  /** The segments a time range reads, oldest first. */
  sources(range: { from?: number; to?: number } = {}): SourceFile[] {
    return selectSources(this.dir, range);
  }

  async run(query: QueryInput, options: RunOptions = {}): Promise<QueryResult> {
    const [result] = await this.runAll([query], options);
    return result;
  }

  /**
   * Several queries in one pass over the files; they must share the time range and the
   * filter stages before their first stats/sort/limit (e.g. a summary: several stats tails).
   */
  async runAll(queries: readonly QueryInput[], options: RunOptions = {}): Promise<QueryResult[]> {
    const asts = queries.map(toQueryAst);
    const plan = planQueries(asts);
    const stats = newStats();
    const started = performance.now();
    const collected = plan.spec.sinks.map(() => [] as Item[]);
    const tops = plan.spec.sinks.map(() => [] as TopItem[]);
    const need = singleNeed(plan);
    let have = 0;
    const control = { stop: false };
    const scan = this.scan(plan, stats, control, options);
    let step = await scan.next();
    while (!step.done) {
      step.value.sinks.forEach((sink, i) => {
        if (sink.kind === 'rows') collected[i].push(...sink.items);
        else if (sink.kind === 'top') tops[i].push(...sink.items);
      });
      if (need !== undefined) {
        have += step.value.sinks[0].kind === 'rows' ? step.value.sinks[0].items.length : 0;
        if (have >= need) control.stop = true;
      }
      step = await scan.next();
    }
    const tables = step.value;
    stats.elapsedMs = performance.now() - started;
    return plan.spec.sinks.map((sink, i) => {
      let rows: Row[];
      if (sink.kind === 'rows') {
        rows = collected[i].map(toRow);
      } else if (sink.kind === 'top') {
        const compare = compileComparator(sink.keys, sink.mode);
        rows = tops[i]
          .sort((a, b) => compare(a.row, b.row) || a.ordinal - b.ordinal)
          .slice(0, sink.k)
          .map((top) => toRow(top.item));
      } else {
        const aggregator = compileAggregator(sink.stage, sink.mode);
        for (const perScanner of tables) {
          const table = perScanner[i];
          if (table) aggregator.merge(table);
        }
        rows = aggregator.rows();
      }
      const tail = plan.tails[i];
      rows = runStages(rows, tail.stages, tail.mode);
      const project =
        sink.kind === 'rows' && sink.output === 'projected' ? undefined : projectionOf(asts[i].stages);
      if (project) rows = rows.map(project);
      const columns = outputColumns(asts[i]);
      return { rows, shape: columns ? 'columns' : 'records', columns, stats };
    });
  }

  /**
   * Rows one by one, as the scan finds them when the query allows it (no sort or stats after
   * the filters): the first rows of a large scan arrive at once. `onDone` gets the scan counts.
   */
  async *stream(
    query: QueryInput,
    options: RunOptions & { onDone?: (stats: ScanStats) => void } = {},
  ): AsyncGenerator<Row> {
    for await (const item of this.items(query, options)) yield toRow(item);
  }

  /** As `stream`, each row as its JSON text (a record's own line, unchanged, when it has one). */
  async *lines(
    query: QueryInput,
    options: RunOptions & { onDone?: (stats: ScanStats) => void } = {},
  ): AsyncGenerator<string> {
    for await (const item of this.items(query, options))
      yield typeof item === 'string' ? item : JSON.stringify(item);
  }

  private async *items(
    query: QueryInput,
    options: RunOptions & { onDone?: (stats: ScanStats) => void },
  ): AsyncGenerator<Item> {
    const ast = toQueryAst(query);
    const plan = planQueries([ast]);
    const sink = plan.spec.sinks[0];
    const tail = plan.tails[0];
    const streamable =
      sink.kind === 'rows' && tail.stages.every((s) => s.kind === 'limit' || isRecordWise(s));
    if (!streamable) {
      const result = await this.run(ast, options);
      options.onDone?.(result.stats);
      yield* result.rows;
      return;
    }
    const stats = newStats();
    const started = performance.now();
    const control = { stop: false };
    const project = sink.output === 'projected' ? undefined : projectionOf(ast.stages);
    const pipeline = streamingTail(tail.stages, tail.mode, project);
    const scan = this.scan(plan, stats, control, options);
    try {
      for await (const result of scanResults(scan)) {
        const rows = result.sinks[0];
        if (rows.kind !== 'rows') continue;
        for (const item of rows.items) {
          const out = pipeline.push(item);
          if (out !== undefined) yield out;
          if (pipeline.done) break;
        }
        if (pipeline.done) {
          control.stop = true;
          break;
        }
      }
    } finally {
      await scan.return(undefined as never);
      stats.elapsedMs = performance.now() - started;
      options.onDone?.(stats);
    }
  }

  /** Unit results in output order; returns the stats group tables of every scanner. */
  private async *scan(
    plan: QueryPlan,
    stats: ScanStats,
    control: { stop: boolean },
    options: RunOptions,
  ): AsyncGenerator<UnitResult, Array<Array<GroupTable | undefined>>> {
    const { spec } = plan;
    const files = options.sources ?? selectSources(this.dir, plan.range);
    const ranges = files.map((file) => narrowByTime(file, plan.range));
    const units = planUnits(files, ranges, singleNeed(plan) !== undefined);
    stats.files = new Set(units.map((u) => u.path)).size;
    const total = units.reduce((sum, u) => sum + cost(u), 0);
    const workers = this.workerCount(total, units.length);
    stats.workers = workers;
    const runner: UnitRunner =
      workers > 0 ? new WorkerRunner(spec, workers, this.workerScript!) : new InlineRunner(spec);
    // The biggest units go first (a gzipped day is one unit), so no worker is left with a big one
    // at the end. Rows found ahead of their turn wait in memory until they can come out in
    // order, so past HELD_BYTES of them (an export of a gzipped month) work goes in order again;
    // with a limit it is in order from the start, as the scan may end early.
    const strict = singleNeed(plan) !== undefined;
    const byCost = strict ? units : [...units].sort((a, b) => cost(b) - cost(a));
    const dispatched = new Set<number>();
    let costCursor = 0;
    let orderCursor = 0;
    let held = 0;
    let cutoff = Number.POSITIVE_INFINITY;
    let emit = 0;
    let done = 0;
    const pending = new Map<number, UnitResult>();
    const queue = new AsyncQueue<UnitResult>();
    const next = () => {
      if (control.stop || options.signal?.aborted) return undefined;
      while (orderCursor < units.length && dispatched.has(orderCursor)) orderCursor++;
      while (costCursor < byCost.length && dispatched.has(byCost[costCursor].id)) costCursor++;
      const unit = held < HELD_BYTES ? byCost[costCursor] : units[orderCursor];
      if (unit === undefined || unit.order > cutoff) return undefined;
      dispatched.add(unit.id);
      return unit;
    };
    const onResult = (result: UnitResult) => {
      const unit = units[result.id];
      done += cost(unit);
      options.onProgress?.(Math.min(done, total), total);
      stats.bytes += result.bytes;
      stats.parsed += result.parsed;
      stats.corrupt += result.corrupt;
      stats.torn += result.torn;
      if (result.error) stats.errors.push(`${unit.path}: ${result.error}`);
      if (result.crossed) cutoff = Math.min(cutoff, result.id);
      pending.set(result.id, result);
      held += heldBytes(result);
      while (pending.has(emit)) {
        const ready = pending.get(emit)!;
        pending.delete(emit);
        held -= heldBytes(ready);
        emit++;
        if (ready.id <= cutoff) {
          stats.matched += ready.matched;
          queue.push(ready);
        }
      }
    };
    const running = runner.run(next, onResult).then(
      () => queue.end(),
      (error: Error) => queue.fail(error),
    );
    try {
      for await (const result of queue) yield result;
      await running;
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      return spec.sinks.some((s) => s.kind === 'stats') ? await runner.tables() : [];
    } finally {
      control.stop = true;
      await runner.close();
    }
  }

  private workerCount(totalBytes: number, units: number): number {
    if (this.workerScript === undefined || units < 2) return 0;
    if (typeof this.workers === 'number') return Math.max(0, Math.min(this.workers, units));
    if (totalBytes < WORKER_MIN_BYTES) return 0;
    const cores = availableParallelism();
    return cores < 2 ? 0 : Math.min(cores, MAX_WORKERS, units);
  }
}

async function* scanResults(scan: AsyncGenerator<UnitResult, unknown>): AsyncGenerator<UnitResult> {
  for (let step = await scan.next(); !step.done; step = await scan.next()) yield step.value;
}

/** About how much memory a unit's rows take while they wait for their turn. */
function heldBytes(result: UnitResult): number {
  let bytes = 0;
  const size = (item: Item) => (typeof item === 'string' ? item.length : 256);
  for (const sink of result.sinks) {
    if (sink.kind === 'rows') for (const item of sink.items) bytes += size(item);
    else if (sink.kind === 'top') for (const top of sink.items) bytes += size(top.item);
  }
  return bytes;
}

/** Bytes to read, for progress and scheduling (a gzip stream of unknown size inflates about 8x). */
function cost(unit: Unit): number {
  if (unit.rawBytes !== undefined) return unit.rawBytes;
  return unit.compressed ? unit.size * 8 : unit.end - unit.start;
}

function singleNeed(plan: QueryPlan): number | undefined {
  const [sink, ...others] = plan.spec.sinks;
  return others.length === 0 && sink.kind === 'rows' ? sink.need : undefined;
}

function toRow(item: Item): Row {
  return typeof item === 'string' ? (JSON.parse(item) as Row) : item;
}

/** Record-wise stages and limits applied to rows as they stream by, then the projection. */
function streamingTail(stages: readonly Stage[], mode: FieldMode, project: ((row: Row) => Row) | undefined) {
  type Step =
    | { kind: 'limit'; count: number; offset: number; seen: number; passed: number }
    | { kind: 'row'; step: RowStep };
  let current = mode;
  const steps = stages.map((stage): Step => {
    if (stage.kind === 'limit')
      return { kind: 'limit', count: stage.count, offset: stage.offset, seen: 0, passed: 0 };
    const compiled = compileRowSteps([stage], current);
    current = compiled.mode;
    return { kind: 'row', step: compiled.step };
  });
  const state = {
    done: false,
    /** The row to output for this input, or undefined. Items stay lines while nothing changes them. */
    push(item: Item): Item | undefined {
      let current: Item = item;
      for (const s of steps) {
        if (s.kind === 'limit') {
          if (s.passed >= s.count) {
            state.done = true;
            return undefined;
          }
          s.seen++;
          if (s.seen <= s.offset) return undefined;
          s.passed++;
          if (s.passed >= s.count) state.done = true;
        } else {
          const row = typeof current === 'string' ? toRow(current) : current;
          const out = s.step(row, typeof current === 'string' ? current : undefined);
          if (out === undefined) return undefined;
          current = out;
        }
      }
      return project ? project(typeof current === 'string' ? toRow(current) : current) : current;
    },
  };
  return state;
}

function newStats(): ScanStats {
  return {
    files: 0,
    bytes: 0,
    parsed: 0,
    matched: 0,
    corrupt: 0,
    torn: 0,
    errors: [],
    workers: 0,
    elapsedMs: 0,
  };
}
