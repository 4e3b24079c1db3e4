import type { Aggregate, AggregateFunction, GroupKey, Row, Stage } from './ast.js';
import { newSketch, type SketchState, sketchAdd, sketchMerge, sketchQuantile } from './sketch.js';
import { compareValues, distinctKey, type Getter } from './values.js';

/**
 * Percentiles are exact (linear interpolation between the two nearest ranks, as SQL's
 * percentile_cont) while a group holds at most this many values; past it the group switches to a
 * DDSketch and the answer is within 1% of the true value at that rank.
 */
export const EXACT_PERCENTILE_LIMIT = 4096;

const QUANTILES: Partial<Record<AggregateFunction, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** Per-group state of one slot. Plain data (arrays, Sets, Maps) so it crosses worker boundaries. */
type SlotState =
  | number // count
  | { sum: number; c: number; n: number }
  | { num: number | undefined; str: string | undefined }
  | Set<unknown>
  | Distribution;

interface Distribution {
  values: number[] | null;
  sketch: SketchState | null;
  sorted: boolean;
}

type SlotKind = 'count' | 'countField' | 'sum' | 'min' | 'max' | 'distinct' | 'distribution';

interface Slot {
  kind: SlotKind;
  get?: Getter;
  /** What a merge or a shared percentile slot is recognised by. */
  key: string;
}

export interface Group {
  keys: unknown[];
  states: SlotState[];
}

/** Groups by their key, in first-seen order; rows come out sorted by key. */
export type GroupTable = Map<unknown, Group>;

export interface StatsAggregator {
  readonly table: GroupTable;
  add(row: Row): void;
  /** Adds the groups of another aggregator of the same stage (e.g. from a worker). */
  merge(other: GroupTable): void;
  /** One row per group: key columns then aggregate columns, ordered by the keys ascending. */
  rows(): Row[];
}

export type GetterFor = (field: import('./ast.js').FieldRef) => Getter;

export function compileStats(
  stage: Extract<Stage, { kind: 'stats' }>,
  getterFor: GetterFor,
): StatsAggregator {
  const slots: Slot[] = [];
  const slotOf = (kind: SlotKind, aggregate: Aggregate): number => {
    const key = `${kind}:${aggregate.field?.text ?? ''}`;
    // Percentiles of one field share their values; other slots are one per aggregate.
    const existing = kind === 'distribution' ? slots.findIndex((s) => s.key === key) : -1;
    if (existing !== -1) return existing;
    slots.push({ kind, key, get: aggregate.field ? getterFor(aggregate.field) : undefined });
    return slots.length - 1;
  };
  const outputs = stage.aggregates.map((aggregate) => {
    const kind = slotKind(aggregate);
    return { name: aggregate.as, slot: slotOf(kind, aggregate), fn: aggregate.fn };
  });
  const keyGetters = stage.by.map((key) => groupKeyGetter(key, getterFor));
  const keyNames = stage.by.map((key) => key.as);
  const table: GroupTable = new Map();
  const single = keyGetters.length === 1 ? keyGetters[0] : undefined;

  const newGroup = (keys: unknown[]): Group => ({
    keys,
    states: slots.map((slot) => initialState(slot.kind)),
  });

  // Consecutive rows often share a group: remember the last one.
  let lastKey: unknown;
  let lastGroup: Group | undefined;
  const add = (row: Row) => {
    let group: Group | undefined;
    if (keyGetters.length === 0) {
      group = table.get('');
      if (group === undefined) table.set('', (group = newGroup([])));
    } else if (single) {
      const value = single(row);
      const mapKey = singleMapKey(value);
      if (mapKey === lastKey && lastGroup !== undefined) group = lastGroup;
      else {
        group = table.get(mapKey);
        if (group === undefined) table.set(mapKey, (group = newGroup([value ?? null])));
        lastKey = mapKey;
        lastGroup = group;
      }
    } else {
      const keys = keyGetters.map((get) => get(row) ?? null);
      const mapKey = JSON.stringify(keys.map((k) => distinctKey(k) ?? null));
      group = table.get(mapKey);
      if (group === undefined) table.set(mapKey, (group = newGroup(keys)));
    }
    const states = group.states;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      if (slot.kind === 'count') {
        (states[i] as number)++;
        continue;
      }
      const value = slot.get!(row);
      if (value === undefined || value === null) continue;
      addValue(slot.kind, states, i, value);
    }
  };

  return {
    table,
    add,
    merge(other) {
      for (const [mapKey, group] of other) {
        const mine = table.get(mapKey);
        if (mine === undefined) {
          table.set(mapKey, group);
          continue;
        }
        for (let i = 0; i < slots.length; i++)
          mine.states[i] = mergeState(slots[i].kind, mine.states[i], group.states[i]);
      }
    },
    rows() {
      // A stats without `by` over no records still answers: count() is 0.
      if (table.size === 0 && keyGetters.length === 0) table.set('', newGroup([]));
      const groups = [...table.values()].sort((a, b) => {
        for (let i = 0; i < a.keys.length; i++) {
          const order = compareValues(a.keys[i], b.keys[i]);
          if (order !== 0) return order;
        }
        return 0;
      });
      return groups.map((group) => {
        const row: Row = {};
        keyNames.forEach((name, i) => {
          row[name] = group.keys[i];
        });
        for (const output of outputs) row[output.name] = result(output.fn, group.states[output.slot]);
        return row;
      });
    },
  };
}

function slotKind(aggregate: Aggregate): SlotKind {
  switch (aggregate.fn) {
    case 'count':
      return aggregate.field ? 'countField' : 'count';
    case 'sum':
    case 'avg':
      return 'sum';
    case 'min':
      return 'min';
    case 'max':
      return 'max';
    case 'count_distinct':
      return 'distinct';
    default:
      return 'distribution';
  }
}

function singleMapKey(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return `\u0000j${JSON.stringify(value)}`;
  return value;
}

function initialState(kind: SlotKind): SlotState {
  switch (kind) {
    case 'count':
    case 'countField':
      return 0;
    case 'sum':
      return { sum: 0, c: 0, n: 0 };
    case 'min':
    case 'max':
      return { num: undefined, str: undefined };
    case 'distinct':
      return new Set();
    case 'distribution':
      return { values: [], sketch: null, sorted: true };
  }
}

function addValue(kind: SlotKind, states: SlotState[], i: number, value: unknown): void {
  switch (kind) {
    case 'countField':
      (states[i] as number)++;
      return;
    case 'sum':
      if (typeof value === 'number') addSum(states[i] as { sum: number; c: number; n: number }, value, 1);
      return;
    case 'min':
    case 'max': {
      const state = states[i] as { num: number | undefined; str: string | undefined };
      const wantLower = kind === 'min';
      if (typeof value === 'number') {
        if (state.num === undefined || (wantLower ? value < state.num : value > state.num)) state.num = value;
      } else if (typeof value === 'string') {
        if (state.str === undefined || (wantLower ? value < state.str : value > state.str)) state.str = value;
      }
      return;
    }
    case 'distinct':
      (states[i] as Set<unknown>).add(distinctKey(value));
      return;
    case 'distribution':
      if (typeof value === 'number') addToDistribution(states[i] as Distribution, value);
      return;
  }
}

/** Neumaier's compensated sum, as SQLite's sum(): large and small durations add up without drift. */
function addSum(state: { sum: number; c: number; n: number }, value: number, n: number): void {
  const t = state.sum + value;
  if (Math.abs(state.sum) >= Math.abs(value)) state.c += state.sum - t + value;
  else state.c += value - t + state.sum;
  state.sum = t;
  state.n += n;
}

function addToDistribution(dist: Distribution, value: number): void {
  if (dist.sketch !== null) {
    sketchAdd(dist.sketch, value);
    return;
  }
  const values = dist.values!;
  values.push(value);
  dist.sorted = false;
  if (values.length > EXACT_PERCENTILE_LIMIT) toSketch(dist);
}

function toSketch(dist: Distribution): void {
  const sketch = newSketch();
  for (const v of dist.values!) sketchAdd(sketch, v);
  dist.values = null;
  dist.sketch = sketch;
}

function mergeState(kind: SlotKind, a: SlotState, b: SlotState): SlotState {
  switch (kind) {
    case 'count':
    case 'countField':
      return (a as number) + (b as number);
    case 'sum': {
      const into = a as { sum: number; c: number; n: number };
      const from = b as { sum: number; c: number; n: number };
      addSum(into, from.sum, from.n);
      addSum(into, from.c, 0);
      return into;
    }
    case 'min':
    case 'max': {
      const into = a as { num: number | undefined; str: string | undefined };
      const from = b as { num: number | undefined; str: string | undefined };
      const lower = kind === 'min';
      if (
        from.num !== undefined &&
        (into.num === undefined || (lower ? from.num < into.num : from.num > into.num))
      ) {
        into.num = from.num;
      }
      if (
        from.str !== undefined &&
        (into.str === undefined || (lower ? from.str < into.str : from.str > into.str))
      ) {
        into.str = from.str;
      }
      return into;
    }
    case 'distinct': {
      const into = a as Set<unknown>;
      for (const v of b as Set<unknown>) into.add(v);
      return into;
    }
    case 'distribution': {
      const into = a as Distribution;
      const from = b as Distribution;
      if (into.sketch === null && from.sketch === null) {
        for (const v of from.values!) addToDistribution(into, v);
        return into;
      }
      if (into.sketch === null) toSketch(into);
      if (from.sketch === null) toSketch(from);
      sketchMerge(into.sketch!, from.sketch!);
      return into;
    }
  }
}

function result(fn: AggregateFunction, state: SlotState): unknown {
  switch (fn) {
    case 'count':
    case 'count_distinct':
      return typeof state === 'number' ? state : (state as Set<unknown>).size;
    case 'sum': {
      const s = state as { sum: number; c: number; n: number };
      return s.n === 0 ? null : s.sum + s.c;
    }
    case 'avg': {
      const s = state as { sum: number; c: number; n: number };
      return s.n === 0 ? null : (s.sum + s.c) / s.n;
    }
    case 'min':
    case 'max': {
      const s = state as { num: number | undefined; str: string | undefined };
      return s.num ?? s.str ?? null;
    }
    default:
      return quantile(state as Distribution, QUANTILES[fn]!);
  }
}

function quantile(dist: Distribution, q: number): number | null {
  if (dist.sketch !== null) return sketchQuantile(dist.sketch, q);
  const values = dist.values!;
  if (values.length === 0) return null;
  if (!dist.sorted) {
    values.sort((a, b) => a - b);
    dist.sorted = true;
  }
  const position = (values.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return values[lower] + (values[upper] - values[lower]) * (position - lower);
}

/** A group key's value: the field, or the start of its time bucket as an ISO string. */
function groupKeyGetter(key: GroupKey, getterFor: GetterFor): Getter {
  const get = getterFor(key.field);
  if (key.kind === 'field') return get;
  const width = key.ms;
  let lastText = '';
  let lastBucket: string | null = null;
  const minuteAligned = width % 60_000 === 0;
  return (row) => {
    const value = get(row);
    if (typeof value !== 'string') return null;
    // Records of one minute share a bucket when the bin is whole minutes: parse once per minute.
    if (minuteAligned && value.length === 24 && value.charCodeAt(23) === 90 /* Z */) {
      const prefix = value.slice(0, 16);
      if (prefix === lastText) return lastBucket;
      lastText = prefix;
      lastBucket = bucketOf(value, width);
      return lastBucket;
    }
    return bucketOf(value, width);
  };
}

export function bucketOf(timestamp: string, width: number): string | null {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return null;
  return new Date(Math.floor(ms / width) * width).toISOString();
}
