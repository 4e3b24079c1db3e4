import { CursorError } from './store.js';

/** Where a search page ended: the last record's timestamp and its insertion id, and the sort order. */
export interface KeysetPosition {
  timestamp: string;
  id: number;
  order: 'desc' | 'asc';
}

/** Opaque to clients (base64url JSON), so its content can change without breaking them. */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([1, position.timestamp, position.id, position.order])).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string, order: 'desc' | 'asc'): KeysetPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    parsed[0] !== 1 ||
    typeof parsed[1] !== 'string' ||
    !Number.isSafeInteger(parsed[2]) ||
    (parsed[3] !== 'desc' && parsed[3] !== 'asc')
  ) {
    throw new CursorError(
      'not a cursor this server issued: pass next_cursor from the previous page unchanged',
    );
  }
  if (parsed[3] !== order) {
    throw new CursorError(`this cursor is for sort=${parsed[3]}: keep the sort of the first page`);
  }
  return { timestamp: parsed[1], id: parsed[2], order };
}
