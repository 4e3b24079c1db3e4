import type { LevelName } from '../record/levels.js';
import type { WriteFailurePolicy } from './durability.js';

/** The few fields a human-readable sink shows; built only when such a sink is attached. */
export interface RecordView {
  timestamp: string;
  level: LevelName;
  category: string | undefined;
  service: string | undefined;
  message: string;
  action: string | undefined;
  status: string | undefined;
  duration_ms: number | undefined;
  errorMessage: string | undefined;
}

export interface SinkHealth {
  name: string;
  /** Where it writes: a file path, `stdout`, `memory`, … */
  target: string;
  healthy: boolean;
  /** Lines waiting to be written (and their size in UTF-16 code units). */
  bufferedRecords: number;
  bufferedBytes: number;
  written: number;
  dropped: number;
  writeErrors: number;
  consecutiveFailures: number;
  lastError: string | null;
  /** Lines sent to stderr because the sink could not write them within its buffer bound. */
  fallbackRecords: number;
  /**
   * Lines kept in memory only because writing is failing (included in `bufferedRecords`); 0 while
   * the sink writes. File sinks report it; `Logger.health()` shows 0 for sinks that do not.
   */
  heldRecords?: number;
}

/** Which records a sink takes. */
export interface SinkFilter {
  /** Lowest level index (see LEVEL) accepted. */
  minLevel: number;
  /** When set, only these categories. */
  categories?: ReadonlySet<string>;
  /** Never these categories. */
  excludeCategories?: ReadonlySet<string>;
}

export function acceptsRecord(filter: SinkFilter, level: number, category: string | undefined): boolean {
  if (level < filter.minLevel) return false;
  if (filter.categories && (category === undefined || !filter.categories.has(category))) return false;
  if (filter.excludeCategories && category !== undefined && filter.excludeCategories.has(category))
    return false;
  return true;
}

/**
 * Where serialized records go. `write` never throws and never waits for I/O unless the
 * sink's durability (or the call's `sync` flag, used by `audit`) asks for it; the one exception
 * is a sink whose `onWriteFailure` is `fail`, which throws a `NotDurableError` for a synchronous
 * record it could not write.
 */
export interface Sink {
  readonly name: string;
  readonly filter: SinkFilter;
  /** True when `write` wants a RecordView (human formats); JSON sinks take the line only. */
  readonly wantsView: boolean;
  /**
   * What a synchronous `write` does when it cannot write (file sinks; see durability.ts). A sink
   * with `fail` throws a `NotDurableError` from `write`, and is written before the others.
   */
  readonly onWriteFailure?: WriteFailurePolicy;
  write(line: string, timeMs: number, sync: boolean, view: RecordView | undefined): void;
  flush(): Promise<void>;
  /** Writes everything now; `final` (exit, close): what cannot be written goes to stderr rather than wait. */
  flushSync(final?: boolean): void;
  close(): Promise<void>;
  health(): SinkHealth;
}
