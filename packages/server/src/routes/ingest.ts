import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../http/http-error.js';
import { BodyError, type DecodedBody, decodeJsonBody, decodeNdjsonBody } from '../ingest/decode-body.js';

const JSON_TYPES = ['application/json'];
const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
];

/**
 * `POST /action-logs`: one record, a JSON array of records, or NDJSON (one per line). Each is
 * validated and masked (see createIngest); good records are stored even when others are bad.
 * 202 `{"accepted": n, "rejected": [{index, detail}]}` once the accepted ones are committed.
 */
export const ingestRoutes: FastifyPluginAsync = async (app) => {
  // The body stays bytes until decodeBody, so invalid UTF-8 and huge nesting are ours to judge
  // (and only in this plugin: other routes keep Fastify's parsers).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...JSON_TYPES, ...NDJSON_TYPES], { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/action-logs',
    {
      config: { scope: 'ingest' },
      schema: {
        response: {
          202: {
            type: 'object',
            properties: {
              accepted: { type: 'integer' },
              rejected: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { index: { type: 'integer' }, detail: { type: 'string' } },
                  required: ['index', 'detail'],
                },
              },
            },
            required: ['accepted', 'rejected'],
          },
        },
      },
    },
    async (request, reply) => {
      const encoding = request.headers['content-encoding'];
      if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
        throw new HttpError(
          415,
          `Content-Encoding ${encoding} is not accepted here: send the body uncompressed`,
        );
      }
      const body = request.body;
      if (!Buffer.isBuffer(body)) {
        throw new HttpError(
          415,
          'send the records as application/json (a record or an array) or application/x-ndjson',
        );
      }
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      let decoded: DecodedBody;
      try {
        decoded = NDJSON_TYPES.includes(mediaType) ? decodeNdjsonBody(body) : decodeJsonBody(body);
      } catch (error) {
        if (error instanceof BodyError) throw new HttpError(400, `body: ${error.message}`);
        throw error;
      }
      const result = await app.ingest(decoded.values, { name: 'http' });
      const rejected = [
        ...decoded.rejected,
        ...result.rejected.map((r) => ({ index: decoded.indexes[r.index], detail: r.detail })),
      ].sort((a, b) => a.index - b.index);
      return reply.code(202).send({ accepted: result.accepted, rejected });
    },
  );
};
