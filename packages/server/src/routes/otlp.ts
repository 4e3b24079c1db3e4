import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../http/http-error.js';
import { BodyError, type Rejection } from '../ingest/decode-body.js';
import {
  decodeOtlpRequest,
  encodeOtlpResponse,
  InflatedTooLargeError,
  inflate,
  otlpEncodingOf,
} from '../ingest/otlp-body.js';
import { OtlpShapeError, otlpToRecords } from '../ingest/otlp-records.js';

/** How many rejections errorMessage spells out; the count covers them all. */
const DETAILS_SHOWN = 10;

/**
 * `POST /v1/logs`: an OTLP/HTTP logs receiver (protobuf or JSON, optionally gzip), so any
 * OpenTelemetry SDK or Collector can export logs here. Each LogRecord is mapped onto a §2 record
 * (see otlpToRecords) and goes through the same validation and masking as `POST /action-logs`.
 * Answers as the OTLP/HTTP spec says: 200 with an ExportLogsServiceResponse in the request's
 * encoding, `partialSuccess` naming the records refused; 400 for a body that cannot be decoded,
 * 415 for another Content-Type or Content-Encoding; errors as `{"detail"}` like every route.
 */
export const otlpRoutes: FastifyPluginAsync = async (app) => {
  // Bytes for every Content-Type, judged in the handler (which can name what OTLP accepts), and
  // only in this plugin: other routes keep their parsers.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const maxBytes = app.initialConfig.bodyLimit ?? Number.POSITIVE_INFINITY;

  app.post('/v1/logs', { config: { scope: 'ingest' } }, async (request, reply) => {
    const contentType = request.headers['content-type'];
    const encoding = otlpEncodingOf(contentType);
    if (!encoding) {
      throw new HttpError(
        415,
        `${contentType ? `Content-Type ${contentType.split(';')[0].trim()}` : 'a body without a Content-Type'} is not accepted here: send OTLP as application/x-protobuf or application/json`,
      );
    }
    const contentEncoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'gzip' && contentEncoding !== 'identity') {
      throw new HttpError(
        415,
        `Content-Encoding ${contentEncoding} is not accepted here: send gzip or uncompressed`,
      );
    }
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let mapped: ReturnType<typeof otlpToRecords>;
    try {
      const body = await inflate(raw, contentEncoding === 'gzip', maxBytes);
      mapped = otlpToRecords(await decodeOtlpRequest(body, encoding));
    } catch (error) {
      if (error instanceof BodyError || error instanceof OtlpShapeError) {
        throw new HttpError(400, `body: ${error.message}`);
      }
      if (error instanceof InflatedTooLargeError)
        throw new HttpError(413, `${error.message}: send fewer records per request`);
      throw error;
    }
    const result = await app.ingest(mapped.values, { name: 'otlp' });
    const rejected = [
      ...mapped.rejected,
      ...result.rejected.map((r) => ({ index: mapped.indexes[r.index], detail: r.detail })),
    ].sort((a, b) => a.index - b.index);
    const response = await encodeOtlpResponse(
      rejected.length === 0
        ? {}
        : {
            partialSuccess: {
              rejectedLogRecords: rejected.length,
              errorMessage: errorMessage(rejected, mapped.total),
            },
          },
      encoding,
    );
    return reply.code(200).type(response.contentType).send(response.body);
  });
};

/** `2 of 5 log records rejected: #1: level: …; #4: duration_ms: …` (indexes count from 0 in the request). */
function errorMessage(rejected: Rejection[], total: number): string {
  const shown = rejected.slice(0, DETAILS_SHOWN).map((r) => `#${r.index}: ${r.detail}`);
  const more = rejected.length > DETAILS_SHOWN ? `; and ${rejected.length - DETAILS_SHOWN} more` : '';
  return `${rejected.length} of ${total} log records rejected: ${shown.join('; ')}${more}`;
}
