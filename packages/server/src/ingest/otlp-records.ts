import { LEVEL_NAMES, type LevelName, parseLevel } from 'actionlog';
import type { Rejection } from './decode-body.js';
import { FIELD_ORDER, MAX_DEPTH } from './validate-record.js';

/**
 * An ExportLogsServiceRequest as plain data: OTLP/JSON as parsed, or the protobuf message as
 * `toObject({longs: String})` gives it (ids and bytes then are Uint8Array, not hex or base64).
 * Everything below is read as untrusted: a JSON sender may put anything anywhere.
 */
export type OtlpLogsRequest = Record<string, unknown>;

/** The records an OTLP request carries, mapped onto DESIGN.md §2, and the log records that could not be. */
export interface MappedLogs {
  /** Record candidates for Ingest (validated and masked there). */
  values: Record<string, unknown>[];
  /** `indexes[i]` is the position of `values[i]` among the request's log records (in order of appearance). */
  indexes: number[];
  rejected: Rejection[];
  /** How many log records the request held. */
  total: number;
}

/** The request's envelope (resourceLogs → scopeLogs → logRecords) is not the OTLP shape: a 400. */
export class OtlpShapeError extends Error {
  override readonly name = 'OtlpShapeError';
}

/** One log record that cannot be mapped: it is rejected alone (partial success). */
class RecordProblem extends Error {}

/** §2 fields an attribute of the same name fills (the rest of the attributes go to `data`). */
const ATTRIBUTE_FIELDS = new Set<string>(
  FIELD_ORDER.filter((field) => field !== 'timestamp' && field !== 'level'),
);

/** Resource attributes (semantic conventions) that are §2 fields; other resource attributes are not kept. */
const RESOURCE_FIELDS: Record<string, string> = {
  'service.name': 'service',
  'host.name': 'host',
  'process.pid': 'pid',
};

/** OTel's `error` alternative (semantic conventions for exceptions), used when no `error` attribute is sent. */
const EXCEPTION_FIELDS: Record<string, string> = {
  'exception.type': 'type',
  'exception.message': 'message',
  'exception.stacktrace': 'stack',
};

/** SeverityNumber ranges of 4 (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) onto the five levels. */
const SEVERITY_RANGES: readonly LevelName[] = ['DEBUG', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const SEVERITY_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((name) => [
  name,
  `${name}2`,
  `${name}3`,
  `${name}4`,
]);

const MAX_TIME_MS = BigInt(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
const NANOS_PER_MS = 1_000_000n;
const HEX = /^[0-9a-f]+$/i;

/**
 * Maps every LogRecord onto a §2 record (DESIGN.md §2, read backwards): `timeUnixNano` (else
 * `observedTimeUnixNano`) → `timestamp`; `severityNumber` (else `severityText`) → `level`; a
 * string `body` → `message`, a map body → `data`, any other body → `data.body`; `traceId`,
 * `spanId` → lowercase hex `trace_id`, `span_id`; resource `service.name`, `host.name`,
 * `process.pid` → `service`, `host`, `pid`; attributes named like §2 fields → those fields, the
 * rest → `data`; `exception.*` attributes → `error` when no `error` attribute is sent; the
 * scope name → `logger` and `eventName` → `action` when no attribute gives them.
 */
export function otlpToRecords(request: OtlpLogsRequest): MappedLogs {
  const mapped: MappedLogs = { values: [], indexes: [], rejected: [], total: 0 };
  for (const [r, resourceLogs] of listAt(request, 'resourceLogs', 'resourceLogs').entries()) {
    const where = `resourceLogs[${r}]`;
    const resource = objectAt(resourceLogs, where);
    let defaults: Record<string, unknown>;
    try {
      defaults = resourceDefaults(resource.resource);
    } catch (error) {
      if (error instanceof RecordProblem) throw new OtlpShapeError(`${where}.resource: ${error.message}`);
      throw error;
    }
    for (const [s, scopeLogs] of listAt(resource, 'scopeLogs', `${where}.scopeLogs`).entries()) {
      const scopeWhere = `${where}.scopeLogs[${s}]`;
      const scopeEntry = objectAt(scopeLogs, scopeWhere);
      const scope = scopeEntry.scope;
      const scopeName =
        isObject(scope) && typeof scope.name === 'string' && scope.name !== '' ? scope.name : undefined;
      for (const logRecord of listAt(scopeEntry, 'logRecords', `${scopeWhere}.logRecords`)) {
        const index = mapped.total++;
        try {
          mapped.values.push(toRecord(logRecord, defaults, scopeName));
          mapped.indexes.push(index);
        } catch (error) {
          if (!(error instanceof RecordProblem)) throw error;
          mapped.rejected.push({ index, detail: error.message });
        }
      }
    }
  }
  return mapped;
}

function toRecord(
  logRecord: unknown,
  defaults: Record<string, unknown>,
  scopeName: string | undefined,
): Record<string, unknown> {
  if (!isObject(logRecord))
    throw new RecordProblem(`expected a LogRecord object, got ${describe(logRecord)}`);
  const record: Record<string, unknown> = {};
  const data: Array<[string, unknown]> = [];

  const nanos =
    unixNanos(logRecord.timeUnixNano, 'timeUnixNano') ||
    unixNanos(logRecord.observedTimeUnixNano, 'observedTimeUnixNano');
  if (nanos > 0n) record.timestamp = new Date(Number(nanos / NANOS_PER_MS)).toISOString();
  const level = levelOf(logRecord.severityNumber, logRecord.severityText);
  if (level) record.level = level;

  const body =
    logRecord.body === undefined || logRecord.body === null
      ? undefined
      : fromAnyValue(logRecord.body, 1, 'body');
  if (typeof body === 'string') record.message = body;
  else if (isObject(body)) data.push(...Object.entries(body));
  else if (body !== undefined && body !== null) data.push(['body', body]);

  const traceId = idOf(logRecord.traceId, 16, 'traceId');
  if (traceId) record.trace_id = traceId;
  const spanId = idOf(logRecord.spanId, 8, 'spanId');
  if (spanId) record.span_id = spanId;

  const exception: Array<[string, unknown]> = [];
  for (const [key, value] of keyValues(logRecord.attributes, 'attributes')) {
    if (key === 'data') {
      if (!isObject(value))
        throw new RecordProblem(`attribute data: expected a map (kvlistValue), got ${describe(value)}`);
      data.push(...Object.entries(value));
    } else if (ATTRIBUTE_FIELDS.has(key) && !Object.hasOwn(record, key)) record[key] = value;
    else if (Object.hasOwn(EXCEPTION_FIELDS, key)) exception.push([key, value]);
    else data.push([key, value]);
  }
  if (exception.length > 0) {
    if (record.error === undefined) {
      record.error = {
        type: 'Error',
        ...Object.fromEntries(exception.map(([k, v]) => [EXCEPTION_FIELDS[k], v])),
      };
    } else data.push(...exception);
  }
  if (record.logger === undefined && scopeName !== undefined) record.logger = scopeName;
  const eventName = logRecord.eventName;
  if (typeof eventName === 'string' && eventName !== '') {
    if (record.action === undefined) record.action = eventName;
    else data.push(['event_name', eventName]);
  }
  for (const [field, value] of Object.entries(defaults))
    if (record[field] === undefined) record[field] = value;
  // Entries, not assignment: a "__proto__" key stays a plain field and never becomes a prototype.
  if (data.length > 0) record.data = Object.fromEntries(data);
  return record;
}

function resourceDefaults(resource: unknown): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  if (resource === undefined || resource === null) return defaults;
  if (!isObject(resource)) throw new RecordProblem(`expected a Resource object, got ${describe(resource)}`);
  for (const [key, value] of keyValues(resource.attributes, 'attributes')) {
    const field = RESOURCE_FIELDS[key];
    if (field === undefined) continue;
    // The SDKs' stand-in when the application named no service: no service, as far as a record goes.
    if (field === 'service' && typeof value === 'string' && /^unknown_service(:|$)/.test(value)) continue;
    defaults[field] = value;
  }
  return defaults;
}

/** Nanoseconds since the epoch (fixed64: a decimal string, or a number in JSON); 0n when unset. */
function unixNanos(value: unknown, name: string): bigint {
  if (value === undefined || value === null) return 0n;
  let nanos: bigint | undefined;
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) nanos = BigInt(value);
  else if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
    nanos = BigInt(Math.trunc(value));
  if (nanos === undefined)
    throw new RecordProblem(`${name}: got ${describe(value)}; expected nanoseconds since the epoch`);
  if (nanos / NANOS_PER_MS > MAX_TIME_MS) throw new RecordProblem(`${name}: ${nanos} is after the year 9999`);
  return nanos;
}

function levelOf(number: unknown, text: unknown): LevelName | undefined {
  let severity: number | undefined;
  if (typeof number === 'number') severity = number;
  else if (typeof number === 'string') {
    // OTLP/JSON sends enums as integers; the protobuf JSON mapping also allows the enum's name.
    const name = number.replace(/^SEVERITY_NUMBER_/, '');
    const at = SEVERITY_NAMES.indexOf(name);
    severity = at >= 0 ? at + 1 : /^\d+$/.test(number) ? Number(number) : undefined;
  }
  if (severity !== undefined && Number.isInteger(severity) && severity >= 1 && severity <= 24) {
    return SEVERITY_RANGES[Math.floor((severity - 1) / 4)];
  }
  if (typeof text === 'string' && text !== '') {
    // `Information`, `Warn2`…: the level the text starts with.
    const canonical = parseLevel(text) ?? parseLevel(text.replace(/\d+$/, ''));
    if (canonical) return canonical;
    const prefix = LEVEL_NAMES.find((name) => text.toUpperCase().startsWith(name.slice(0, 4)));
    if (prefix) return prefix;
  }
  return undefined;
}

/** A trace or span id: bytes (protobuf) or hex (OTLP/JSON), as lowercase hex; undefined when unset or all zero. */
function idOf(value: unknown, bytes: number, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  let hex: string;
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0) return undefined;
    if (value.byteLength !== bytes)
      throw new RecordProblem(`${name}: got ${value.byteLength} bytes; expected ${bytes}`);
    hex = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  } else if (typeof value === 'string') {
    if (value === '') return undefined;
    if (value.length !== bytes * 2 || !HEX.test(value)) {
      throw new RecordProblem(`${name}: got ${describe(value)}; expected ${bytes * 2} hex digits`);
    }
    hex = value.toLowerCase();
  } else throw new RecordProblem(`${name}: got ${describe(value)}; expected ${bytes * 2} hex digits`);
  return /^0+$/.test(hex) ? undefined : hex;
}

/** The entries of a KeyValue list, in order, values as JSON values. */
function keyValues(list: unknown, name: string): Array<[string, unknown]> {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list))
    throw new RecordProblem(`${name}: expected an array of {key, value}, got ${describe(list)}`);
  return list.map((entry, i) => {
    if (!isObject(entry) || typeof entry.key !== 'string') {
      throw new RecordProblem(`${name}[${i}]: expected {key, value} with a string key`);
    }
    const value =
      entry.value === undefined || entry.value === null
        ? null
        : fromAnyValue(entry.value, 1, `${name}[${i}].value`);
    return [entry.key, value];
  });
}

/**
 * An AnyValue as a JSON value: int64 a number when it is exact, else its decimal string;
 * bytes as base64; a kvlist an object; an empty AnyValue null. Deeper than a record may nest,
 * it is refused (iteration stops there, so a hostile body cannot exhaust the stack).
 */
function fromAnyValue(value: unknown, depth: number, name: string): unknown {
  if (depth > MAX_DEPTH) throw new RecordProblem(`${name}: nested deeper than ${MAX_DEPTH} levels`);
  if (!isObject(value))
    throw new RecordProblem(`${name}: expected an AnyValue object, got ${describe(value)}`);
  if (has(value, 'stringValue')) {
    if (typeof value.stringValue !== 'string') throw kindProblem(name, 'stringValue', value.stringValue);
    return value.stringValue;
  }
  if (has(value, 'boolValue')) {
    if (typeof value.boolValue !== 'boolean') throw kindProblem(name, 'boolValue', value.boolValue);
    return value.boolValue;
  }
  if (has(value, 'intValue')) return int64(value.intValue, `${name}.intValue`);
  if (has(value, 'doubleValue')) {
    const double = value.doubleValue;
    if (typeof double === 'number') return Number.isFinite(double) ? double : String(double);
    // The protobuf JSON mapping writes the three non-finite doubles as strings (kept as text here).
    if (typeof double === 'string' && /^(NaN|-?Infinity)$/.test(double)) return double;
    if (typeof double === 'string' && double.trim() !== '' && Number.isFinite(Number(double)))
      return Number(double);
    throw kindProblem(name, 'doubleValue', double);
  }
  if (has(value, 'bytesValue')) {
    const bytes = value.bytesValue;
    if (bytes instanceof Uint8Array)
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    if (typeof bytes === 'string') return bytes;
    throw kindProblem(name, 'bytesValue', bytes);
  }
  if (has(value, 'arrayValue')) {
    const values = listOf(value.arrayValue, `${name}.arrayValue`);
    return values.map((item, i) => fromAnyValue(item, depth + 1, `${name}.arrayValue.values[${i}]`));
  }
  if (has(value, 'kvlistValue')) {
    const entries = listOf(value.kvlistValue, `${name}.kvlistValue`).map((entry, i): [string, unknown] => {
      const at = `${name}.kvlistValue.values[${i}]`;
      if (!isObject(entry) || typeof entry.key !== 'string')
        throw new RecordProblem(`${at}: expected {key, value} with a string key`);
      return [
        entry.key,
        entry.value === undefined || entry.value === null
          ? null
          : fromAnyValue(entry.value, depth + 1, `${at}.value`),
      ];
    });
    return Object.fromEntries(entries);
  }
  return null;
}

function listOf(container: unknown, name: string): unknown[] {
  if (!isObject(container))
    throw new RecordProblem(`${name}: expected {values: [...]}, got ${describe(container)}`);
  const values = container.values;
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values))
    throw new RecordProblem(`${name}.values: expected an array, got ${describe(values)}`);
  return values;
}

function int64(value: unknown, name: string): number | string {
  let integer: bigint | undefined;
  // A JSON number past 2^53 has already lost digits; as text it at least reads the same either way.
  if (typeof value === 'number' && Number.isInteger(value))
    return Number.isSafeInteger(value) ? value : String(value);
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) integer = BigInt(value);
  if (integer === undefined) throw new RecordProblem(`${name}: got ${describe(value)}; expected an integer`);
  const number = Number(integer);
  return Number.isSafeInteger(number) ? number : integer.toString();
}

function kindProblem(name: string, kind: string, value: unknown): RecordProblem {
  return new RecordProblem(`${name}.${kind}: got ${describe(value)}`);
}

function listAt(parent: Record<string, unknown>, key: string, name: string): unknown[] {
  const list = parent[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new OtlpShapeError(`${name}: expected an array, got ${describe(list)}`);
  return list;
}

function objectAt(value: unknown, name: string): Record<string, unknown> {
  if (!isObject(value)) throw new OtlpShapeError(`${name}: expected an object, got ${describe(value)}`);
  return value;
}

function has(value: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(value, key) && value[key] !== undefined && value[key] !== null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
