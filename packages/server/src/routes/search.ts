import { type Expr, LEVEL_NAMES, parseExpression, parseLevel, QueryError } from 'actionlog';
import type { FastifyPluginAsync } from 'fastify';
import { badParameter, shown } from '../http/http-error.js';
import { parseTimeRange } from '../http/time-param.js';
import { CursorError, type SearchFilters } from '../store/store.js';
import { toAction } from './action-shape.js';
import { actionSchema, limitParam, timeParam } from './schemas.js';

const LIST_FILTERS = [
  'service',
  'status',
  'action',
  'level',
  'category',
  'session_id',
  'trace_id',
  'user_id',
] as const;
type ListFilter = (typeof LIST_FILTERS)[number];

interface SearchQuery extends Partial<Record<ListFilter, string[]>> {
  q?: string;
  from?: string;
  to?: string;
  min_duration?: number;
  max_duration?: number;
  sort: 'desc' | 'asc';
  limit: number;
  cursor?: string;
}

const listParam = (what: string) =>
  ({
    type: 'array',
    maxItems: 100,
    items: { type: 'string', maxLength: 1024 },
    description: `${what} (exact; repeat the parameter for any of several, up to 100)`,
  }) as const;

const durationParam = (edge: string) =>
  ({ type: 'number', minimum: 0, description: `a ${edge} duration in milliseconds (a number ≥ 0)` }) as const;

export const searchQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    service: listParam('a service name'),
    status: listParam('a status, e.g. failed'),
    action: listParam('an action name'),
    level: listParam(`a level: ${LEVEL_NAMES.join(', ')} (any case)`),
    category: listParam('a category, e.g. audit'),
    session_id: listParam('a session id'),
    trace_id: listParam('a trace id'),
    user_id: listParam('a user id'),
    q: {
      type: 'string',
      maxLength: 10_000,
      description:
        'a condition in the query language, e.g. duration_ms > 500 and "timeout" (a bare string matches message or error text, any case)',
    },
    from: timeParam('from'),
    to: timeParam('to'),
    min_duration: durationParam('minimum'),
    max_duration: durationParam('maximum'),
    sort: {
      type: 'string',
      enum: ['desc', 'asc'],
      default: 'desc',
      description: 'desc (newest first, the default) or asc',
    },
    limit: limitParam(100),
    cursor: {
      type: 'string',
      maxLength: 1000,
      description: 'the next_cursor of the previous page, unchanged',
    },
  },
} as const;

/**
 * `GET /action-logs/search`: filters, a query-language condition and a time range, in pages
 * chained by `next_cursor` (keyset, so pages neither repeat nor skip records while new ones arrive).
 */
export const searchRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: SearchQuery }>(
    '/action-logs/search',
    {
      config: { scope: 'read' },
      schema: {
        querystring: searchQuerySchema,
        response: {
          200: {
            type: 'object',
            properties: {
              actions: { type: 'array', items: actionSchema },
              next_cursor: { type: ['string', 'null'] },
            },
            required: ['actions', 'next_cursor'],
          },
        },
      },
    },
    async (request) => {
      const query = request.query;
      const filters: SearchFilters = { ...parseTimeRange(query.from, query.to), order: query.sort };
      for (const name of LIST_FILTERS) {
        const values = query[name];
        if (values !== undefined && values.length > 0) filters[name] = values;
      }
      if (filters.level) filters.level = filters.level.map(levelValue);
      if (query.q !== undefined && query.q.trim() !== '') filters.q = condition(query.q);
      if (query.min_duration !== undefined) filters.minDuration = query.min_duration;
      if (query.max_duration !== undefined) filters.maxDuration = query.max_duration;
      if (
        filters.minDuration !== undefined &&
        filters.maxDuration !== undefined &&
        filters.minDuration > filters.maxDuration
      ) {
        throw badParameter(
          'max_duration',
          `${filters.maxDuration} is below min_duration (${filters.minDuration})`,
        );
      }
      try {
        const page = await app.store.search(filters, query.cursor, query.limit);
        return { actions: page.records.map(toAction), next_cursor: page.nextCursor };
      } catch (error) {
        if (error instanceof CursorError) throw badParameter('cursor', error.message);
        if (error instanceof QueryError) throw badParameter('q', error.render());
        throw error;
      }
    },
  );
};

function levelValue(text: string): string {
  const level = parseLevel(text);
  if (!level)
    throw badParameter('level', `got ${shown(text)}; expected ${LEVEL_NAMES.join(', ')} (any case)`);
  return level;
}

function condition(text: string): Expr {
  try {
    return parseExpression(text);
  } catch (error) {
    if (error instanceof QueryError) throw badParameter('q', error.render());
    if (error instanceof RangeError) throw badParameter('q', 'the condition is nested too deeply');
    throw error;
  }
}
