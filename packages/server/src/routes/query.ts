import type { FastifyPluginAsync } from 'fastify';
import { parseTimeRange } from '../http/time-param.js';
import { timeParam } from './schemas.js';

/**
 * `GET /api/query?q=<pipeline>`: the query language over the store. `rows` is what
 * `actionlog query --format json` prints for the same records: whole records newest first, or
 * the table after `stats`/`fields` (then `columns` gives its column order). At most
 * `maxRows` rows come back; `truncated` says when the query had more (add `| limit N`).
 */
export function queryRoutes(maxRows: number): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { q: string; from?: string; to?: string } }>(
      '/api/query',
      {
        config: { scope: 'read' },
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['q'],
            properties: {
              q: {
                type: 'string',
                minLength: 1,
                maxLength: 10_000,
                description:
                  'a pipeline in the query language, e.g. filter status = "failed" | stats count() by service',
              },
              from: timeParam('from'),
              to: timeParam('to'),
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                rows: { type: 'array', items: { type: 'object', additionalProperties: true } },
                shape: { type: 'string', enum: ['records', 'columns'] },
                columns: { type: 'array', items: { type: 'string' } },
                truncated: { type: 'boolean' },
              },
              required: ['rows', 'shape', 'truncated'],
            },
          },
        },
      },
      async (request) => {
        const range = parseTimeRange(request.query.from, request.query.to);
        // A QueryError (syntax, unknown column) is a 400 with the caret under the column.
        return app.store.query(request.query.q, range, { maxRows });
      },
    );
  };
}
