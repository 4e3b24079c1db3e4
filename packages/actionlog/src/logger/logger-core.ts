import { hostname } from 'node:os';
import { categoryForLogger, DEFAULT_CATEGORY } from '../record/categories.js';
import { LEVEL_NAMES, type LevelName } from '../record/levels.js';
import { nextSeq } from '../record/sequence.js';
import type { Masker } from '../redact/masker.js';
import { quoteJson } from '../serialize/json-string.js';
import type { SerializeLimits } from '../serialize/limits.js';
import { SafeSerializer } from '../serialize/safe-serializer.js';
import { TimestampFormatter } from '../serialize/timestamp.js';
import { NotDurableError } from '../sinks/durability.js';
import { acceptsRecord, type RecordView, type Sink } from '../sinks/sink.js';
import { type Bindings, extendBindings, NO_BINDINGS } from './bindings.js';

export interface CoreSettings {
  minLevel: number;
  app: string | undefined;
  /** Category when neither the call, the bindings nor the logger-name prefixes give one. */
  defaultCategory: string;
  categoryPrefixes: Readonly<Record<string, string>>;
  allowActions: ReadonlySet<string> | undefined;
  denyActions: ReadonlySet<string>;
  /** Whether `audit()` records are written synchronously to every sink that takes them. */
  auditSync: boolean;
  limits: SerializeLimits;
  masker: Masker;
  clock: () => number;
}

/**
 * What a root logger and all its children share: settings, serializer, sinks, and the pieces of
 * every line that never change (`host`, `pid`, `app`).
 */
export class LoggerCore {
  readonly serializer: SafeSerializer;
  readonly timestamps = new TimestampFormatter();
  readonly tail: string;
  readonly wantsView: boolean;
  closed = false;
  /**
   * The sinks in the order a record goes to them: those with `onWriteFailure: 'fail'` first, so
   * a record one of them refuses (it throws) reaches no other sink after it.
   */
  private readonly routeOrder: readonly Sink[];
  /** Context scopes already turned into bindings, per scope object. */
  private readonly contextBindings = new WeakMap<object, Bindings>();

  constructor(
    readonly settings: CoreSettings,
    readonly sinks: readonly Sink[],
  ) {
    this.serializer = new SafeSerializer(settings.limits, settings.masker);
    const app = settings.app === undefined ? '' : ',"app":' + this.serializer.string(settings.app);
    this.tail = ',"host":' + quoteJson(hostname()) + ',"pid":' + process.pid + app + '}\n';
    this.wantsView = sinks.some((sink) => sink.wantsView);
    const refusing = sinks.filter((sink) => sink.onWriteFailure === 'fail');
    this.routeOrder = [...refusing, ...sinks.filter((sink) => !refusing.includes(sink))];
  }

  actionEnabled(action: string): boolean {
    const { allowActions, denyActions } = this.settings;
    if (denyActions.has(action)) return false;
    return allowActions === undefined || allowActions.has(action);
  }

  categoryFor(explicit: string | undefined, logger: string | undefined): string {
    return (
      explicit ??
      categoryForLogger(logger, this.settings.categoryPrefixes) ??
      this.settings.defaultCategory ??
      DEFAULT_CATEGORY
    );
  }

  bindingsForContext(context: Readonly<Record<string, unknown>>): Bindings {
    let bindings = this.contextBindings.get(context);
    if (bindings === undefined) {
      bindings = extendBindings(NO_BINDINGS, context, this.serializer);
      this.contextBindings.set(context, bindings);
    }
    return bindings;
  }

  /**
   * Hands a finished line to every sink that takes it; a failing sink never stops the others,
   * except one that refuses a synchronous record (`onWriteFailure: 'fail'`): its NotDurableError
   * goes to the caller and the sinks after it do not get the record.
   */
  route(
    line: string,
    level: number,
    category: string,
    timeMs: number,
    sync: boolean,
    view?: RecordView,
  ): void {
    for (const sink of this.routeOrder) {
      if (!acceptsRecord(sink.filter, level, category)) continue;
      try {
        sink.write(line, timeMs, sync, view);
      } catch (error) {
        // The application asked for this one (`fail`); anything else is a broken custom sink.
        if (error instanceof NotDurableError) throw error;
      }
    }
  }

  /** A record the library writes about itself (recovery, drops, crashes), without bindings. */
  systemLine(level: LevelName, message: string, data: Record<string, unknown>): string {
    const now = this.settings.clock();
    return (
      '{"timestamp":"' +
      this.timestamps.format(now) +
      '","seq":' +
      nextSeq() +
      ',"level":"' +
      level +
      '","category":"system","logger":"actionlog","message":' +
      this.serializer.string(message) +
      ',"data":' +
      (this.serializer.value(data, 'data') ?? '{}') +
      this.tail
    );
  }

  levelName(level: number): LevelName {
    return LEVEL_NAMES[level];
  }
}
