/** A record refused: its 0-based position in the body and why. */
export interface Rejection {
  index: number;
  detail: string;
}

/** The values a body held, each with its position, and the parts that could not be read. */
export interface DecodedBody {
  values: unknown[];
  /** `indexes[i]` is the position of `values[i]` in the body (for NDJSON: the line number − 1). */
  indexes: number[];
  rejected: Rejection[];
}

/** A body that cannot be read at all (a 400). */
export class BodyError extends Error {
  override readonly name = 'BodyError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `application/json`: one record, or an array of records. */
export function decodeJsonBody(body: Buffer): DecodedBody {
  const text = decodeUtf8(body);
  if (text === undefined) throw new BodyError('not valid UTF-8');
  if (text.trim() === '') throw new BodyError('empty: send a record, an array of records, or NDJSON');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BodyError(`not valid JSON (${(error as Error).message})`);
  }
  if (Array.isArray(value)) return { values: value, indexes: value.map((_, i) => i), rejected: [] };
  if (value !== null && typeof value === 'object') return { values: [value], indexes: [0], rejected: [] };
  throw new BodyError('expected a record (a JSON object) or an array of records');
}

/**
 * `application/x-ndjson`: one record per line; blank lines are skipped. A line that is not valid
 * UTF-8 or not JSON is rejected alone; the others are kept.
 */
export function decodeNdjsonBody(body: Buffer): DecodedBody {
  const decoded: DecodedBody = { values: [], indexes: [], rejected: [] };
  const whole = decodeUtf8(body);
  // Invalid UTF-8: split the bytes instead (a newline byte never occurs inside a UTF-8 sequence).
  const lines: Array<string | undefined> =
    whole !== undefined ? whole.split('\n') : splitBytes(body).map((line) => decodeUtf8(line));
  lines.forEach((line, index) => {
    if (line === undefined) {
      decoded.rejected.push({ index, detail: 'not valid UTF-8' });
      return;
    }
    if (line.trim() === '') return;
    try {
      decoded.values.push(JSON.parse(line));
      decoded.indexes.push(index);
    } catch (error) {
      decoded.rejected.push({ index, detail: `not valid JSON (${(error as Error).message})` });
    }
  });
  if (decoded.values.length === 0 && decoded.rejected.length === 0) {
    throw new BodyError('empty: send one JSON record per line');
  }
  return decoded;
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function splitBytes(body: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let end = body.indexOf(10); end !== -1; end = body.indexOf(10, start)) {
    lines.push(body.subarray(start, end));
    start = end + 1;
  }
  lines.push(body.subarray(start));
  return lines;
}
