import { CORRELATION_FIELDS, type CorrelationIds } from '../record/record.js';
import { quoteJson } from '../serialize/json-string.js';
import type { SafeSerializer } from '../serialize/safe-serializer.js';

/**
 * Fields carried by a child logger or a `withContext` scope, split and serialized once so a log
 * call only concatenates them: correlation ids go to the top level, `logger`/`category`/`service`
 * set those fields, everything else becomes members of `data`.
 */
export interface Bindings {
  readonly ids: Readonly<CorrelationIds>;
  /** `,"session_id":"…",…` in record order; empty when there are none. */
  readonly idsJson: string;
  readonly logger: string | undefined;
  readonly category: string | undefined;
  readonly service: string | undefined;
  /** `"k":v,…` members for `data`; empty when none. */
  readonly dataJson: string;
}

export const NO_BINDINGS: Bindings = {
  ids: {},
  idsJson: '',
  logger: undefined,
  category: undefined,
  service: undefined,
  dataJson: '',
};

const ID_SET: ReadonlySet<string> = new Set(CORRELATION_FIELDS);
/** `,"session_id":` and so on, built once. */
const ID_PREFIX = CORRELATION_FIELDS.map((field) => ',' + quoteJson(field) + ':');

/** `parent` extended by `fields` (fields win). */
export function extendBindings(
  parent: Bindings,
  fields: Record<string, unknown>,
  serializer: SafeSerializer,
): Bindings {
  let ids: CorrelationIds | undefined;
  let logger = parent.logger;
  let category = parent.category;
  let service = parent.service;
  let dataJson = parent.dataJson;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    if (ID_SET.has(key)) {
      ids ??= { ...parent.ids };
      ids[key as keyof CorrelationIds] = String(value);
    } else if (key === 'logger' && typeof value === 'string') logger = value;
    else if (key === 'category' && typeof value === 'string') category = value;
    else if (key === 'service' && typeof value === 'string') service = value;
    else if (key === 'data' && value !== null && typeof value === 'object') {
      dataJson = joinMembers(dataJson, dataMembers(value, serializer));
    } else {
      dataJson = joinMembers(dataJson, serializer.member(key, value, 'data'));
    }
  }
  const finalIds = ids ?? parent.ids;
  return {
    ids: finalIds,
    idsJson: ids ? idsToJson(finalIds, serializer) : parent.idsJson,
    logger,
    category,
    service,
    dataJson,
  };
}

export function idsToJson(ids: Readonly<CorrelationIds>, serializer: SafeSerializer): string {
  return mergedIdsJson(ids, undefined, serializer);
}

/** The ids in record order: `overrides` (a log call's fields) win over `ids` (bindings, context). */
export function mergedIdsJson(
  ids: Readonly<CorrelationIds>,
  overrides: Readonly<Record<string, unknown>> | undefined,
  serializer: SafeSerializer,
): string {
  let out = '';
  for (let i = 0; i < CORRELATION_FIELDS.length; i++) {
    const field = CORRELATION_FIELDS[i];
    const override = overrides?.[field];
    const value = override !== undefined ? String(override) : ids[field];
    if (value !== undefined) out += ID_PREFIX[i] + serializer.string(value);
  }
  return out;
}

/** Members of an explicit `data` value: an object's members, or `"value":…` for anything else. */
export function dataMembers(value: unknown, serializer: SafeSerializer): string {
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    // A plain object (the usual `data: {...}`): its members directly, no braces to strip.
    return serializer.members(value as Record<string, unknown>, 'data');
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const json = serializer.value(value, 'data');
    if (json !== undefined && json.charCodeAt(0) === 123 /* { */) return json.slice(1, -1);
    return json === undefined ? '' : '"value":' + json;
  }
  return serializer.member('value', value, 'data');
}

export function joinMembers(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  return a + ',' + b;
}

/** A `{...}` literal's prototype; false for a Proxy whose getPrototypeOf trap throws. */
function isPlainObject(value: object): boolean {
  try {
    return Object.getPrototypeOf(value) === Object.prototype;
  } catch {
    return false;
  }
}
