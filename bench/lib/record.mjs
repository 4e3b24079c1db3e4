// The one action record every logger writes. Everything that varies is pre-built here, outside
// the timed loops, so the loops measure the loggers and not string building; `makeFields` only
// allocates the object literals a caller would write at the call site.

export const ACTION = 'createCase';
export const CAUSE_MESSAGE = 'ECONNRESET while calling crm-api';

// Power of two so the loop picks a variant with a mask. Values cycle every POOL records: enough
// that no logger can win by caching the last record it saw.
const POOL = 4096;
const MASK = POOL - 1;

// A small deterministic PRNG so every run, and every library, gets the same values.
let seed = 0x2f6b3c1d;
function random() {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
const hex = (n) =>
  Math.floor(random() * 16 ** n)
    .toString(16)
    .padStart(n, '0');

const REQUEST_IDS = Array.from({ length: POOL }, () => `req-${hex(8)}-${hex(4)}-${hex(4)}`);
const CASE_IDS = Array.from({ length: POOL }, () => `CASE-${100000 + Math.floor(random() * 900000)}`);
const DURATIONS = Array.from({ length: POOL }, () => Math.round(random() * 250000) / 100);
const SESSION_ID = `sess-${hex(8)}${hex(8)}`;
const USER_ID = 'user-4711';
const TAGS = ['billing', 'priority', 'eu'];

// Distinct Error objects (each with a cause), so a per-object cache would not help either.
// Created a few calls deep so the stacks look like an application's, not a bare module frame.
function failRemoteCall(k) {
  const cause = new Error(CAUSE_MESSAGE);
  cause.code = 'ECONNRESET';
  return new Error(`createCase failed for attempt ${k}`, { cause });
}
const viaService = (k) => failRemoteCall(k);
const viaHandler = (k) => viaService(k);
const ERRORS = Array.from({ length: 64 }, (_, k) => viaHandler(k));

/** Every tenth record is a failure carrying an Error. */
export const isErrorRecord = (i) => i % 10 === 9;

/**
 * The fields of record `i`. `errorKey` is where the library expects an Error: pino's serializer
 * reads `err`, actionlog and our winston format read `error`. `action` is included for every
 * library (actionlog also takes it as the first argument and ignores the duplicate).
 */
export function makeFields(i, errorKey) {
  const v = i & MASK;
  const data = {
    case_id: CASE_IDS[v],
    priority: 'high',
    tags: TAGS,
    customer: { tier: 'gold', region: 'eu-west-1', account: 'ACME-42' },
    attempt: (i & 3) + 1,
  };
  if (isErrorRecord(i)) {
    return {
      action: ACTION,
      service: 'CaseService',
      status: 'failed',
      duration_ms: DURATIONS[v],
      session_id: SESSION_ID,
      request_id: REQUEST_IDS[v],
      user_id: USER_ID,
      data,
      [errorKey]: ERRORS[v & 63],
    };
  }
  return {
    action: ACTION,
    service: 'CaseService',
    status: 'success',
    duration_ms: DURATIONS[v],
    session_id: SESSION_ID,
    request_id: REQUEST_IDS[v],
    user_id: USER_ID,
    data,
  };
}

/**
 * The masking cases: the same record carrying two secrets in `data` and one in the message.
 * pino can only redact the two known paths (`data.api_key`, `data.password`); actionlog masks
 * all three with its default rules.
 */
export const SECRET_MESSAGE =
  'calling crm-api with key sk-ant-api03-Xq7Lm2Pz9Rt4Vw8Yb3Nc6Hd1Jf5Kg0 failed over';
export const PINO_REDACT_PATHS = ['data.api_key', 'data.password'];

export function makeSecretFields(i, errorKey) {
  const fields = makeFields(i, errorKey);
  return {
    ...fields,
    data: {
      ...fields.data,
      api_key: 'sk-live-9f8e7d6c5b4a39281706f5e4',
      password: 'correct horse battery staple',
    },
  };
}
