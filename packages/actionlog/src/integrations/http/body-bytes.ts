import type { ServerResponse } from 'node:http';

/**
 * Counts the body bytes a plain `node:http` handler writes, whatever way it sets its headers
 * (`writeHead(status, headers)` hides them from `getHeader`).
 */
export function countBodyBytes(res: ServerResponse): { bytes: number } {
  const counter = { bytes: 0 };
  const write = res.write;
  const end = res.end;
  res.write = function countedWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    counter.bytes += chunkBytes(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function countedEnd(this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') counter.bytes += chunkBytes(chunk, rest[0]);
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  return counter;
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') {
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}
