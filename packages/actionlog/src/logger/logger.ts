import { writeStderr } from '../pipeline/stderr.js';
import { LEVEL, LEVEL_NAMES } from '../record/levels.js';
import { CORRELATION_FIELDS, FAILURE_STATUSES, type LogFields } from '../record/record.js';
import { nextSeq } from '../record/sequence.js';
import { NotDurableError } from '../sinks/durability.js';
import type { RecordView, SinkHealth } from '../sinks/sink.js';
import {
  type Bindings,
  dataMembers,
  extendBindings,
  idsToJson,
  joinMembers,
  mergedIdsJson,
} from './bindings.js';
import { activeTraceIds, contextStorage, withContext } from './context.js';
import type { LoggerCore } from './logger-core.js';

const ID_SET: ReadonlySet<string> = new Set(CORRELATION_FIELDS);

export interface LoggerHealth {
  /** False when any sink has failed 5 or more writes in a row. */
  healthy: boolean;
  buffered: number;
  /** Records kept in memory only because a sink cannot write (the sum of the sinks' `heldRecords`). */
  heldRecords: number;
  dropped: number;
  writeErrors: number;
  lastError: string | null;
  sinks: Array<SinkHealth & { heldRecords: number }>;
}

/** Returned by `time()`: call it when the timed work ends. */
export type EndTimer = (fields?: LogFields) => void;

/** Parts of a record fixed by the method that was called (`action`, `audit`, `error(err)`, …). */
interface Preset {
  action?: string;
  category?: string;
  error?: unknown;
  sync?: boolean;
}

/**
 * The logging API. Every method returns quickly and never throws: level and action-type
 * checks come first, the record is serialized (and masked) on the caller's thread, and I/O
 * happens later in the sinks, unless durability asks for it now. The one exception is opt-in: a
 * synchronous record that a stream with `onWriteFailure: 'fail'` cannot write throws a
 * `NotDurableError`.
 */
export class Logger {
  /** @internal */
  constructor(
    private readonly core: LoggerCore,
    private readonly bindings: Bindings,
    private readonly onClose: () => Promise<void>,
  ) {}

  get level(): string {
    return LEVEL_NAMES[this.core.settings.minLevel];
  }

  isLevelEnabled(level: keyof typeof LEVEL): boolean {
    return LEVEL[level] >= this.core.settings.minLevel;
  }

  debug(message: string, fields?: LogFields): void {
    if (LEVEL.DEBUG < this.core.settings.minLevel) return;
    this.emit(LEVEL.DEBUG, message, fields, undefined);
  }

  info(message: string, fields?: LogFields): void {
    if (LEVEL.INFO < this.core.settings.minLevel) return;
    this.emit(LEVEL.INFO, message, fields, undefined);
  }

  warn(message: string, fields?: LogFields): void {
    if (LEVEL.WARNING < this.core.settings.minLevel) return;
    this.emit(LEVEL.WARNING, message, fields, undefined);
  }

  /** `error(message, fields?)`, or `error(err, message?, fields?)` to record an Error and its cause chain. */
  error(messageOrError: unknown, messageOrFields?: string | LogFields, fields?: LogFields): void {
    if (LEVEL.ERROR < this.core.settings.minLevel) return;
    this.emitMaybeError(LEVEL.ERROR, messageOrError, messageOrFields, fields);
  }

  /** Same forms as `error`. */
  critical(messageOrError: unknown, messageOrFields?: string | LogFields, fields?: LogFields): void {
    if (LEVEL.CRITICAL < this.core.settings.minLevel) return;
    this.emitMaybeError(LEVEL.CRITICAL, messageOrError, messageOrFields, fields);
  }

  /** An action record, e.g. `action('tool_call', { tool_name: 'bash', args })`. */
  action(action: string, fields?: LogFields): void {
    if (LEVEL.INFO < this.core.settings.minLevel) return;
    const failed = typeof fields?.status === 'string' && FAILURE_STATUSES.has(fields.status);
    this.emit(failed ? LEVEL.ERROR : LEVEL.INFO, action, fields, { action });
  }

  /**
   * An `audit` category action, written synchronously by default (it survives SIGKILL). When the
   * disk fails, a stream's `onWriteFailure` decides: hold the record (default), wait for the disk
   * (`block`), or throw a `NotDurableError` (`fail`).
   */
  audit(action: string, fields?: LogFields): void {
    if (LEVEL.INFO < this.core.settings.minLevel) return;
    this.emit(LEVEL.INFO, action, fields, { action, category: 'audit', sync: this.core.settings.auditSync });
  }

  /** The one-call form used by services. */
  logAction(service: string, action: string, status: string, durationMs?: number, error?: unknown): void {
    const failed = FAILURE_STATUSES.has(status) || error !== undefined;
    const level = failed ? LEVEL.ERROR : LEVEL.INFO;
    if (level < this.core.settings.minLevel) return;
    this.emit(
      level,
      `${service}.${action} ${status}`,
      { service, status, duration_ms: durationMs },
      { action, error },
    );
  }

  /**
   * Runs `fn` (sync or async) and logs its outcome: `status` success/failed, `duration_ms`
   * and the error. Returns what `fn` returns and rethrows what it throws.
   */
  track<T>(action: string, fn: () => T, fields?: LogFields): T {
    const start = performance.now();
    let result: T;
    try {
      result = fn();
    } catch (error) {
      try {
        this.finishTracked(action, start, error, true, fields);
      } catch {
        // A refused record (NotDurableError) does not hide the error of `fn`.
      }
      throw error;
    }
    if (isPromiseLike(result)) {
      return result.then(
        (value) => {
          this.finishTracked(action, start, undefined, false, fields);
          return value;
        },
        (error: unknown) => {
          try {
            this.finishTracked(action, start, error, true, fields);
          } catch {
            // As above: `fn`'s rejection wins over a refused record.
          }
          throw error;
        },
      ) as T;
    }
    this.finishTracked(action, start, undefined, false, fields);
    return result;
  }

  /** Starts a timer; the returned function logs the action with `duration_ms` (status `success` unless given). */
  time(action: string, fields?: LogFields): EndTimer {
    const start = performance.now();
    let ended = false;
    return (endFields?: LogFields) => {
      if (ended) return;
      ended = true;
      const status = (endFields?.status ?? fields?.status ?? 'success') as string;
      const failed = FAILURE_STATUSES.has(status);
      const level = failed ? LEVEL.ERROR : LEVEL.INFO;
      if (level < this.core.settings.minLevel) return;
      this.emit(
        level,
        `${action} ${status}`,
        { ...fields, ...endFields, status, duration_ms: elapsedMs(start) },
        { action },
      );
    };
  }

  /** A logger whose records all carry `bindings` (session_id, user_id, logger, service, …). */
  child(bindings: LogFields): Logger {
    try {
      return new Logger(
        this.core,
        extendBindings(this.bindings, bindings, this.core.serializer),
        this.onClose,
      );
    } catch {
      return this;
    }
  }

  /** Runs `fn` with `bindings` on every record any logger writes in everything `fn` calls. */
  withContext<T>(bindings: LogFields, fn: () => T): T {
    return withContext(bindings, fn);
  }

  /** Resolves when everything logged so far is written (or a sink is failing: see `health()`). */
  async flush(): Promise<void> {
    await Promise.all(this.core.sinks.map((sink) => sink.flush()));
  }

  /** Writes everything logged so far before returning. */
  flushSync(): void {
    for (const sink of this.core.sinks) {
      try {
        sink.flushSync(false);
      } catch {
        // Never throws into the application.
      }
    }
  }

  /** Flushes and releases files and exit hooks. Later calls to this logger (and its children) are ignored. */
  async close(): Promise<void> {
    await this.onClose();
  }

  health(): LoggerHealth {
    const sinks = this.core.sinks.map((sink) => {
      const health = sink.health();
      return { ...health, heldRecords: health.heldRecords ?? 0 };
    });
    let lastError: string | null = null;
    for (const sink of sinks) lastError = sink.lastError ?? lastError;
    return {
      healthy: sinks.every((sink) => sink.healthy),
      buffered: sum(sinks, (s) => s.bufferedRecords),
      heldRecords: sum(sinks, (s) => s.heldRecords),
      dropped: sum(sinks, (s) => s.dropped),
      writeErrors: sum(sinks, (s) => s.writeErrors),
      lastError,
      sinks,
    };
  }

  /** @internal Records an uncaught exception or unhandled rejection as CRITICAL. */
  recordCrash(error: unknown, origin: string): void {
    const what = origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception';
    const detail = errorText(error);
    try {
      this.emit(LEVEL.CRITICAL, `${what}: ${detail}`, { origin }, { error, sync: true, category: 'system' });
    } catch (refused) {
      // A stream with `fail` refused it: a crash report is not the application's to handle.
      if (refused instanceof NotDurableError) writeStderr(`${refused.line}\n`);
    }
  }

  private emitMaybeError(
    level: number,
    messageOrError: unknown,
    messageOrFields: string | LogFields | undefined,
    fields: LogFields | undefined,
  ): void {
    if (typeof messageOrError === 'string') {
      this.emit(level, messageOrError, messageOrFields as LogFields | undefined, undefined);
      return;
    }
    const message =
      typeof messageOrFields === 'string'
        ? messageOrFields
        : isError(messageOrError)
          ? safeMessage(messageOrError)
          : 'error';
    const extra = typeof messageOrFields === 'object' ? messageOrFields : fields;
    this.emit(level, message, extra, { error: messageOrError });
  }

  private finishTracked(
    action: string,
    start: number,
    error: unknown,
    failed: boolean,
    fields?: LogFields,
  ): void {
    const level = failed ? LEVEL.ERROR : LEVEL.INFO;
    if (level < this.core.settings.minLevel) return;
    const message = failed ? `${action} failed: ${errorText(error)}` : `${action} succeeded`;
    this.emit(
      level,
      message,
      { ...fields, status: failed ? 'failed' : 'success', duration_ms: elapsedMs(start) },
      failed ? { action, error } : { action },
    );
  }

  /** Builds the line in record key order (DESIGN.md §2) and routes it. Throws only a NotDurableError (`fail`). */
  private emit(
    level: number,
    message: unknown,
    fields: LogFields | undefined,
    preset: Preset | undefined,
  ): void {
    const core = this.core;
    if (core.closed) return;
    try {
      this.build(level, message, fields, preset, false);
    } catch (error) {
      // The one exception that reaches the application: a stream it set to `fail` refused the record.
      if (error instanceof NotDurableError) throw error;
      writeStderr(`[actionlog] could not write a record: ${String((error as Error)?.message ?? error)}\n`);
    }
  }

  private build(
    level: number,
    rawMessage: unknown,
    fields: LogFields | undefined,
    preset: Preset | undefined,
    truncated: boolean,
  ): void {
    const core = this.core;
    const s = core.serializer;
    const context = contextStorage.getStore();
    const bound =
      context === undefined ? this.bindings : mergeScopes(this.bindings, core.bindingsForContext(context), s);

    let action = preset?.action;
    let category = preset?.category;
    let logger = bound.logger;
    let service = bound.service;
    let status: unknown;
    let duration: unknown;
    let error = preset?.error;
    /** The call's fields when they carry correlation ids (they win over bindings and context). */
    let idOverrides: Readonly<Record<string, unknown>> | undefined;
    let data = bound.dataJson;

    if (fields !== undefined && fields !== null && typeof fields === 'object') {
      // Own enumerable keys only, as JSON.stringify does; a hostile object (a Proxy whose traps
      // throw, a throwing getter) marks what throws and never costs the record.
      let keys: string[] | undefined;
      try {
        keys = Object.keys(fields);
      } catch {
        if (!truncated) data = joinMembers(data, s.members(fields, 'data'));
      }
      const maxData = core.settings.limits.maxRecordBytes;
      for (let k = 0; keys !== undefined && k < keys.length; k++) {
        const key = keys[k];
        let value: unknown;
        try {
          value = fields[key];
        } catch {
          if (!truncated) data = joinMembers(data, s.member(key, '[Throws]', 'data'));
          continue;
        }
        if (value === undefined) continue;
        switch (key) {
          case 'action':
            if (action === undefined) action = String(value);
            break;
          case 'category':
            if (category === undefined) category = String(value);
            break;
          case 'logger':
            logger = String(value);
            break;
          case 'service':
            service = String(value);
            break;
          case 'status':
            status = value;
            break;
          case 'duration_ms':
            duration = value;
            break;
          case 'error':
            if (error === undefined) error = value;
            else data = joinMembers(data, s.member('error', value, 'data'));
            break;
          case 'data':
            if (!truncated) data = joinMembers(data, dataMembers(value, s));
            break;
          default:
            if (ID_SET.has(key)) {
              idOverrides = fields;
            } else if (!truncated && data.length <= maxData) {
              // Past the cap the record is written again without its data: serializing the
              // rest of a huge fields object would be work thrown away.
              data = joinMembers(data, s.member(key, value, 'data'));
            }
        }
      }
    }
    if (action !== undefined && !core.actionEnabled(action)) return;
    const trace = activeTraceIds();
    if (trace !== undefined && (idOverrides?.trace_id ?? bound.ids.trace_id) === undefined) {
      idOverrides = { ...idOverrides, trace_id: trace.trace_id, span_id: trace.span_id };
    }

    let message: string;
    if (typeof rawMessage === 'string') message = rawMessage;
    else if (isError(rawMessage)) {
      error ??= rawMessage;
      message = safeMessage(rawMessage);
    } else message = rawMessage === undefined ? '' : (s.value(rawMessage, 'message') ?? String(rawMessage));

    const timeMs = core.settings.clock();
    const resolvedCategory = core.categoryFor(category ?? bound.category, logger);
    let line =
      '{"timestamp":"' +
      core.timestamps.format(timeMs) +
      '","seq":' +
      nextSeq() +
      ',"level":"' +
      LEVEL_NAMES[level] +
      '","category":' +
      s.identifier(resolvedCategory);
    if (logger !== undefined) line += ',"logger":' + s.identifier(logger);
    line += ',"message":' + s.string(message);
    if (action !== undefined) line += ',"action":' + s.identifier(action);
    if (service !== undefined) line += ',"service":' + s.identifier(service);
    if (status !== undefined) line += ',"status":' + s.string(String(status));
    if (duration !== undefined)
      line += ',"duration_ms":' + (s.value(Number(duration), 'duration_ms') ?? 'null');
    line += idOverrides === undefined ? bound.idsJson : mergedIdsJson(bound.ids, idOverrides, s);
    if (error !== undefined) line += ',"error":' + (truncated ? shortError(error, s) : errorJson(error, s));
    if (truncated)
      data =
        '"_truncated":' +
        s.string(
          `record exceeded maxRecordBytes=${core.settings.limits.maxRecordBytes}; data and stacks dropped`,
        );
    if (data !== '') line += ',"data":{' + data + '}';
    line += core.tail;

    if (line.length > core.settings.limits.maxRecordBytes && !truncated) {
      this.build(level, rawMessage, fields, preset, true);
      return;
    }

    let view: RecordView | undefined;
    if (core.wantsView) {
      const masker = core.settings.masker;
      view = {
        timestamp: core.timestamps.format(timeMs),
        level: LEVEL_NAMES[level],
        category: resolvedCategory,
        service,
        message: masker.maskString(message),
        action,
        status: status === undefined ? undefined : String(status),
        duration_ms: typeof duration === 'number' ? duration : undefined,
        errorMessage: error === undefined ? undefined : masker.maskString(errorText(error)),
      };
    }
    core.route(line, level, resolvedCategory, timeMs, preset?.sync === true, view);
  }
}

/** Child bindings overlaid by the active context scope (the context wins). */
function mergeScopes(own: Bindings, context: Bindings, s: LoggerCore['serializer']): Bindings {
  if (
    own.dataJson === '' &&
    own.idsJson === '' &&
    own.logger === undefined &&
    own.category === undefined &&
    own.service === undefined
  ) {
    return context;
  }
  const hasContextIds = context.idsJson !== '';
  const ids = hasContextIds ? { ...own.ids, ...context.ids } : own.ids;
  return {
    ids,
    idsJson: hasContextIds ? idsToJson(ids, s) : own.idsJson,
    logger: context.logger ?? own.logger,
    category: context.category ?? own.category,
    service: context.service ?? own.service,
    dataJson: joinMembers(own.dataJson, context.dataJson),
  };
}

function errorJson(error: unknown, s: LoggerCore['serializer']): string {
  if (error !== null && typeof error === 'object') return s.value(error, 'error') ?? 'null';
  return '{"type":"Error","message":' + s.string(String(error)) + '}';
}

function shortError(error: unknown, s: LoggerCore['serializer']): string {
  let type: unknown = 'Error';
  try {
    if (error instanceof Error) type = error.name;
  } catch {
    // A hostile Error (a Proxy, a throwing name getter): the generic type.
  }
  return (
    '{"type":' + s.string(String(type)) + ',"message":' + s.string(errorText(error).slice(0, 2000)) + '}'
  );
}

/** `value instanceof Error`, false for a Proxy whose getPrototypeOf trap throws. */
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

function errorText(error: unknown): string {
  if (isError(error)) return safeMessage(error);
  try {
    return String(error);
  } catch {
    return '[Throws]';
  }
}

function safeMessage(error: Error): string {
  try {
    return String(error.message);
  } catch {
    return '[Throws]';
  }
}

function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}

function isPromiseLike<T>(value: T): value is T & PromiseLike<Awaited<T>> {
  return (
    value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
  );
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += pick(item);
  return total;
}
