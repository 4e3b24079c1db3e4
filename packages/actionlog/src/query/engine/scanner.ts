import { isAscii } from 'node:buffer';
import type { GroupTable, StatsAggregator } from '../aggregates.js';
import type { Expr, Row } from '../ast.js';
import {
  compileAggregator,
  compileComparator,
  compileRowSteps,
  projectionOf,
  type RowStep,
} from '../compile-js.js';
import { lowerAscii } from '../values.js';
import { FieldExtractor } from './extract.js';
import { ChunkFieldReader } from './field-scan.js';
import { FoldedSearch } from './fold-search.js';
import type { Needle } from './needles.js';
import type { ScanSpec } from './plan.js';
import { type ReadBuffers, readUnit, type Unit } from './unit-reader.js';

/** A row a sink kept: the line (when rows pass through unchanged) or the row itself. */
export type Item = string | Row;

export interface TopItem {
  item: Item;
  /** The values the sort compares (the row as the query sees it). */
  row: Row;
  /** Scan position, for ties: earlier in the output order first. */
  ordinal: number;
}

export type SinkResult =
  | { kind: 'rows'; items: Item[] }
  | { kind: 'top'; items: TopItem[] }
  | { kind: 'stats' };

export interface ScanCounts {
  bytes: number;
  /** Lines turned into rows (parsed or read by the field extractor); the rest were skipped by needle. */
  parsed: number;
  matched: number;
  /** Lines that are not a JSON object. */
  corrupt: number;
  /** A last line without newline that does not parse: cut short by a crash, or still being written. */
  torn: number;
}

export interface UnitResult extends ScanCounts {
  id: number;
  /** The unit holds records older than the time range (and its slack): older units cannot match. */
  crossed: boolean;
  sinks: SinkResult[];
  /** Set when the unit could not be read (e.g. the file was removed meanwhile). */
  error?: string;
}

const TIMESTAMP_PREFIX = '{"timestamp":"';
const UNITS_ORDINAL = 2 ** 32;

/**
 * Runs a ScanSpec over units (byte ranges of plain segments, or whole gzipped segments). One
 * per worker, or one in-process; stats accumulate across all units it scans.
 */
export class Scanner {
  private readonly step: RowStep;
  /** Per sink: its own record-wise stages after the shared ones, if any. */
  private readonly sinkSteps: Array<RowStep | undefined>;
  private readonly extractor: FieldExtractor | undefined;
  private readonly aggregators: Array<StatsAggregator | undefined>;
  private readonly projections: Array<((row: Row) => Row) | undefined>;
  private readonly comparators: Array<((a: Row, b: Row) => number) | undefined>;
  private readonly driver: Needle[] | undefined;
  private readonly driverBytes: Buffer[];
  private readonly driverFolded: Array<FoldedSearch | undefined>;
  /** Where plain segments are read into; undefined: the reader's own kept buffers. */
  private readonly readBuffers: ReadBuffers | undefined;
  private readonly checks: Needle[][];
  /** Full-text terms read the line itself. */
  private readonly needsLine: boolean;
  /**
   * Set when every line goes to this one aggregator and nowhere else: aggregateBytes with the
   * WebAssembly reader (time range or not), else aggregateLines (no time range).
   */
  private readonly aggregateOnly: StatsAggregator | undefined;
  /** The WebAssembly field reader for that case, where it can take the keys (see aggregateBytes). */
  private readonly fieldReader: ChunkFieldReader | undefined;
  /** The time range's ISO bounds as bytes, to compare with a line's timestamp in place. */
  private readonly rangeBytes: { from?: Buffer; to?: Buffer; slackFrom?: Buffer };

  constructor(private readonly spec: ScanSpec) {
    const shared = compileRowSteps(spec.stages);
    this.step = shared.step;
    this.sinkSteps = spec.sinks.map((sink) =>
      sink.stages.length > 0 ? compileRowSteps(sink.stages, shared.mode).step : undefined,
    );
    this.extractor = spec.extract ? new FieldExtractor(spec.extract) : undefined;
    this.aggregators = spec.sinks.map((sink) =>
      sink.kind === 'stats' ? compileAggregator(sink.stage, sink.mode) : undefined,
    );
    this.projections = spec.sinks.map((sink) =>
      sink.output === 'projected' ? projectionOf([...spec.stages, ...sink.stages]) : undefined,
    );
    this.comparators = spec.sinks.map((sink) =>
      sink.kind === 'top' ? compileComparator(sink.keys, sink.mode) : undefined,
    );
    const [driver, ...rest] = spec.requirements;
    this.driver = driver;
    this.driverBytes = (driver ?? []).map((n) => Buffer.from(n.text, 'utf8'));
    // Case-insensitive needles (full-text terms) are searched in the bytes, folding ASCII case
    // as the filter's own test does.
    this.driverFolded = this.driverBytes.map((bytes, n) =>
      driver![n].ci ? new FoldedSearch(bytes) : undefined,
    );
    this.checks = rest;
    this.needsLine = [...spec.stages, ...spec.sinks.flatMap((sink) => sink.stages)].some(
      (s) => s.kind === 'filter' && hasText(s.where),
    );
    const [only] = spec.sinks;
    const plain =
      spec.sinks.length === 1 &&
      only.kind === 'stats' &&
      only.stages.length === 0 &&
      this.extractor !== undefined &&
      !this.needsLine;
    const ranged = spec.range.from !== undefined || spec.range.to !== undefined;
    // The WebAssembly reader takes time ranges too (aggregateBytes); the string one does not.
    this.fieldReader = plain && spec.extract ? ChunkFieldReader.create(spec.extract) : undefined;
    this.aggregateOnly = plain && (!ranged || this.fieldReader) ? this.aggregators[0] : undefined;
    // Read where the kernel looks (the search kernel's, or the field reader's when it reads every
    // chunk), so chunks are not copied into it.
    this.readBuffers = this.driverFolded.some((f) => f !== undefined)
      ? FoldedSearch.readBuffers()
      : this.driver === undefined && this.aggregateOnly !== undefined
        ? this.fieldReader?.readBuffers
        : undefined;
    this.rangeBytes = {
      from: spec.range.from === undefined ? undefined : Buffer.from(spec.range.from, 'latin1'),
      to: spec.range.to === undefined ? undefined : Buffer.from(spec.range.to, 'latin1'),
      slackFrom: spec.range.slackFrom === undefined ? undefined : Buffer.from(spec.range.slackFrom, 'latin1'),
    };
  }

  /** Group tables of the stats sinks (after all units). */
  tables(): Array<GroupTable | undefined> {
    return this.aggregators.map((a) => a?.table);
  }

  async scanUnit(unit: Unit): Promise<UnitResult> {
    const spec = this.spec;
    const { from, to, slackFrom } = spec.range;
    const ranged = from !== undefined || to !== undefined;
    const result: UnitResult = {
      id: unit.id,
      bytes: 0,
      parsed: 0,
      matched: 0,
      corrupt: 0,
      torn: 0,
      crossed: false,
      sinks: spec.sinks.map((sink) =>
        sink.kind === 'stats' ? { kind: 'stats' } : { kind: sink.kind, items: [] },
      ),
    };
    const sinks = spec.sinks;
    const rowItems = result.sinks.map((s) => (s.kind === 'rows' ? s.items : undefined));
    const topItems = result.sinks.map((s) => (s.kind === 'top' ? s.items : undefined));
    const needsLine = this.needsLine;
    const extractor = this.extractor;
    const step = this.step;
    let lineNumber = 0;

    /** The line `text[start, end)` (the extractor's current chunk is `text`): skipped, or a row for every sink. */
    const line = (text: string, start: number, end: number, unterminated: boolean): void => {
      lineNumber++;
      let record: Row | undefined;
      let lineText: string | undefined;
      if (ranged) {
        let ts: unknown;
        if (text.charCodeAt(start + 38) === 34 && text.startsWith(TIMESTAMP_PREFIX, start)) {
          ts = text.slice(start + 14, start + 38);
        } else {
          lineText = text.slice(start, end);
          record = parse(lineText, unterminated, result);
          if (record === undefined) return;
          ts = record.timestamp;
          if (typeof ts !== 'string') return;
        }
        const t = ts as string;
        if (from !== undefined && t < from) {
          if (slackFrom !== undefined && t < slackFrom) result.crossed = true;
          return;
        }
        if (to !== undefined && t >= to) return;
      }
      if (this.checks.length > 0) {
        lineText ??= text.slice(start, end);
        for (const requirement of this.checks) if (!lineHas(lineText, requirement)) return;
      }
      if (record === undefined) {
        record = extractor?.read(start, end);
        if (record === undefined) {
          lineText ??= text.slice(start, end);
          record = parse(lineText, unterminated, result);
          if (record === undefined) return;
        }
      }
      result.parsed++;
      if (needsLine) lineText ??= text.slice(start, end);
      const out = step(record, lineText);
      if (out === undefined) return;
      result.matched++;
      for (let s = 0; s < sinks.length; s++) {
        const sink = sinks[s];
        const own = this.sinkSteps[s];
        const row = own === undefined ? out : own(out, lineText);
        if (row === undefined) continue;
        if (sink.kind === 'stats') {
          this.aggregators[s]!.add(row);
          continue;
        }
        const item: Item =
          sink.output === 'line'
            ? (lineText ??= text.slice(start, end))
            : sink.output === 'projected'
              ? this.projections[s]!(row)
              : row;
        if (sink.kind === 'rows') {
          const items = rowItems[s]!;
          items.push(item);
          // The unit's rows come out last first: only its last `need` can be wanted.
          if (sink.need !== undefined && items.length >= 2 * sink.need)
            items.splice(0, items.length - sink.need);
        } else {
          const items = topItems[s]!;
          items.push({ item, row, ordinal: unit.order * UNITS_ORDINAL + (UNITS_ORDINAL - lineNumber) });
          if (items.length >= 2 * sink.k + 64) trimTop(items, sink.k, this.comparators[s]!);
        }
      }
    };

    try {
      await readUnit(
        unit,
        (buffer, start, end, final) => {
          result.bytes += end - start;
          if (final) {
            const text = buffer.toString('utf8', start, end);
            extractor?.reset(text);
            if (text.trim() !== '') line(text, 0, text.length, true);
            return;
          }
          this.region(buffer, start, end, line, result);
        },
        this.readBuffers,
      );
    } catch (error) {
      result.error = (error as Error).message;
    }

    for (let s = 0; s < sinks.length; s++) {
      const sink = sinks[s];
      if (sink.kind === 'rows') {
        const items = rowItems[s]!;
        if (sink.need !== undefined && items.length > sink.need) items.splice(0, items.length - sink.need);
        items.reverse();
      } else if (sink.kind === 'top') {
        trimTop(topItems[s]!, sink.k, this.comparators[s]!);
      }
    }
    return result;
  }

  /**
   * As aggregateLines, with the fields read from the bytes by the WebAssembly kernel: the chunk
   * is never made a string. (The aggregator reads the row and keeps nothing of it but values,
   * so the reader's one reused row is safe here.)
   */
  private aggregateBytes(
    buffer: Buffer,
    start: number,
    end: number,
    aggregator: StatsAggregator,
    counts: UnitResult,
  ): void {
    const step = this.step;
    const { from, to, slackFrom } = this.rangeBytes;
    const ranged = from !== undefined || to !== undefined;
    // No ASCII check of the chunk (5% of a worker's time): group keys are interned, each decoded
    // once, and what else is decoded here (rare) is read as UTF-8, right for any bytes.
    this.fieldReader!.lines(buffer, start, end, false, (row, lineStart, lineEnd) => {
      let record = row;
      if (ranged) {
        // actionlog writes the timestamp first: compared where it lies, as the string one is.
        let at = lineStart + 14;
        let bytes: Buffer = buffer;
        if (buffer[lineStart + 38] !== 34 || !startsWithTimestamp(buffer, lineStart)) {
          record = parse(buffer.toString('utf8', lineStart, lineEnd), false, counts);
          if (record === undefined || typeof record.timestamp !== 'string') return;
          bytes = Buffer.from(record.timestamp, 'utf8');
          at = 0;
        }
        if (from !== undefined && compareBytes(bytes, at, from) < 0) {
          if (slackFrom !== undefined && compareBytes(bytes, at, slackFrom) < 0) counts.crossed = true;
          return;
        }
        if (to !== undefined && compareBytes(bytes, at, to) >= 0) return;
      }
      record ??= parse(buffer.toString('utf8', lineStart, lineEnd), false, counts);
      if (record === undefined) return;
      counts.parsed++;
      const out = step(record, undefined);
      if (out === undefined) return;
      counts.matched++;
      aggregator.add(out);
    });
  }

  /**
   * The hot loop of a plain aggregation (`stats … by …` over all records, no time range, no
   * search text): every line straight into the one aggregator, nothing else per line.
   */
  private aggregateLines(text: string, aggregator: StatsAggregator, counts: ScanCounts): void {
    const extractor = this.extractor!;
    const step = this.step;
    const length = text.length;
    let at = 0;
    while (at < length) {
      let nl = text.indexOf('\n', at);
      if (nl === -1) nl = length;
      if (nl > at) {
        const record = extractor.read(at, nl) ?? parse(text.slice(at, nl), false, counts);
        if (record !== undefined) {
          counts.parsed++;
          const out = step(record, undefined);
          if (out !== undefined) {
            counts.matched++;
            aggregator.add(out);
          }
        }
      }
      at = nl + 1;
    }
  }

  /** The complete lines in `buffer[start, end)`: each line that may match goes to `line`. */
  private region(
    buffer: Buffer,
    start: number,
    end: number,
    line: (text: string, start: number, end: number, unterminated: boolean) => void,
    counts: UnitResult,
  ): void {
    if (this.driver === undefined) {
      if (this.aggregateOnly !== undefined && this.fieldReader !== undefined) {
        this.aggregateBytes(buffer, start, end, this.aggregateOnly, counts);
        return;
      }
      const ascii = isAscii(buffer.subarray(start, end));
      const text = buffer.toString(ascii ? 'latin1' : 'utf8', start, end);
      this.extractor?.reset(text);
      if (this.aggregateOnly !== undefined) {
        this.aggregateLines(text, this.aggregateOnly, counts);
        return;
      }
      const length = text.length;
      let at = 0;
      while (at < length) {
        let nl = text.indexOf('\n', at);
        if (nl === -1) nl = length;
        if (nl > at) line(text, at, nl, false);
        at = nl + 1;
      }
      return;
    }
    // Needle mode: jump from hit to hit of the driving requirement; only those lines are read.
    const needles = this.driverBytes;
    const folded = this.driverFolded.some((f) => f !== undefined)
      ? FoldedSearch.region(buffer, start, end)
      : undefined;
    const next = needles.map(() => -2);
    let cursor = start;
    while (cursor < end) {
      let hit = Number.POSITIVE_INFINITY;
      for (let n = 0; n < needles.length; n++) {
        if (next[n] !== -1 && next[n] < cursor) {
          const search = this.driverFolded[n];
          if (search !== undefined) {
            next[n] = search.indexIn(folded!, cursor);
          } else {
            const found = buffer.indexOf(needles[n], cursor);
            next[n] = found === -1 || found >= end ? -1 : found;
          }
        }
        if (next[n] !== -1 && next[n] < hit) hit = next[n];
      }
      if (hit === Number.POSITIVE_INFINITY) return;
      const lineStart = hit === start ? start : Math.max(start, buffer.lastIndexOf(10, hit - 1) + 1);
      let lineEnd = buffer.indexOf(10, hit);
      if (lineEnd === -1 || lineEnd > end) lineEnd = end;
      if (lineEnd > lineStart) {
        // Only the lines around hits are decoded: the ASCII check is theirs, not the chunk's.
        const bytes = buffer.subarray(lineStart, lineEnd);
        const text = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
        this.extractor?.reset(text);
        line(text, 0, text.length, false);
      }
      cursor = lineEnd + 1;
    }
  }
}

const TIMESTAMP_BYTES = Buffer.from(TIMESTAMP_PREFIX, 'latin1');

function startsWithTimestamp(buffer: Buffer, at: number): boolean {
  for (let i = 0; i < TIMESTAMP_BYTES.length; i++) if (buffer[at + i] !== TIMESTAMP_BYTES[i]) return false;
  return true;
}

/**
 * `bytes[at, at + bound.length)` against `bound`, as strings compare (the bytes of an ISO time
 * are ASCII; a timestamp that is not one compares as its own bytes do, as the string would).
 */
function compareBytes(bytes: Buffer, at: number, bound: Buffer): number {
  for (let i = 0; i < bound.length; i++) {
    const a = at + i < bytes.length ? bytes[at + i] : -1;
    if (a !== bound[i]) return a < bound[i] ? -1 : 1;
  }
  return 0;
}

function hasText(expr: Expr): boolean {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return expr.items.some(hasText);
    case 'not':
      return hasText(expr.item);
    default:
      return expr.kind === 'text';
  }
}

function parse(text: string, unterminated: boolean, counts: ScanCounts): Row | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    if (unterminated) counts.torn++;
    else counts.corrupt++;
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    counts.corrupt++;
    return undefined;
  }
  return value as Row;
}

function lineHas(text: string, requirement: readonly Needle[]): boolean {
  let lowered: string | undefined;
  for (const needle of requirement) {
    if (needle.ci) {
      lowered ??= lowerAscii(text);
      if (lowered.includes(needle.text)) return true;
    } else if (text.includes(needle.text)) {
      return true;
    }
  }
  return false;
}

function trimTop(items: TopItem[], k: number, compare: (a: Row, b: Row) => number): void {
  items.sort((a, b) => compare(a.row, b.row) || a.ordinal - b.ordinal);
  if (items.length > k) items.length = k;
}
