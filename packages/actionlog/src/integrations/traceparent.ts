/** The ids of a W3C `traceparent` header: `00-{trace-id}-{parent-id}-{flags}`. */
export interface Traceparent {
  trace_id: string;
  parent_span_id: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(?:-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The ids of a valid header, or undefined (missing, malformed, version `ff`, all-zero ids). */
export function parseTraceparent(header: string | string[] | undefined): Traceparent | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId] = match;
  // Version 00 has exactly four parts; later versions may append more.
  if (version === 'ff' || (version === '00' && header.trim().length !== 55)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { trace_id: traceId, parent_span_id: spanId };
}
