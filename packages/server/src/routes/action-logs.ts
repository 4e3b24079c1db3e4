import type { FastifyPluginAsync } from 'fastify';
import { parseTimeRange } from '../http/time-param.js';
import { field, oneOf } from '../store/search-condition.js';
import { toAction } from './action-shape.js';
import { actionsResponse, limitParam, timeParam } from './schemas.js';

const FAILURE_STATUSES = ['failed', 'error'];

const limitQuery = (defaultValue: number) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { limit: limitParam(defaultValue) },
  }) as const;

/**
 * The original action-logs routes, in their documented shapes: recent, failed, by service,
 * stats and clear.
 */
export const actionLogsRoutes: FastifyPluginAsync = async (app) => {
  const { store } = app;

  app.get<{ Querystring: { limit: number } }>(
    '/action-logs/recent',
    {
      config: { scope: 'read' },
      schema: { querystring: limitQuery(100), response: { 200: actionsResponse } },
    },
    async (request) => ({
      actions: (await store.recent(undefined, request.query.limit)).map(toAction),
    }),
  );

  app.get<{ Querystring: { limit: number } }>(
    '/action-logs/failed',
    {
      config: { scope: 'read' },
      schema: { querystring: limitQuery(50), response: { 200: actionsResponse } },
    },
    async (request) => ({
      actions: (await store.recent(oneOf('status', FAILURE_STATUSES), request.query.limit)).map(toAction),
    }),
  );

  app.get<{ Params: { service: string }; Querystring: { limit: number } }>(
    '/action-logs/service/:service',
    {
      config: { scope: 'read' },
      schema: {
        params: {
          type: 'object',
          properties: {
            service: {
              type: 'string',
              minLength: 1,
              maxLength: 1024,
              description: 'a service name (1–1024 characters)',
            },
          },
          required: ['service'],
        },
        querystring: limitQuery(100),
        response: { 200: actionsResponse },
      },
    },
    async (request) => ({
      actions: (
        await store.recent(
          { kind: 'compare', field: field('service'), op: '=', value: request.params.service },
          request.query.limit,
        )
      ).map(toAction),
    }),
  );

  const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/action-logs/stats',
    {
      config: { scope: 'read' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { from: timeParam('from'), to: timeParam('to') },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              stats: {
                type: 'object',
                properties: {
                  total: { type: 'integer' },
                  failed: { type: 'integer' },
                  byService: counts,
                  byStatus: counts,
                  byLevel: counts,
                  p95DurationByService: counts,
                },
                required: ['total', 'failed', 'byService', 'byStatus', 'byLevel', 'p95DurationByService'],
              },
            },
            required: ['stats'],
          },
        },
      },
    },
    async (request) => ({ stats: await store.stats(parseTimeRange(request.query.from, request.query.to)) }),
  );

  app.post(
    '/action-logs/clear',
    {
      config: { scope: 'admin' },
      schema: {
        response: {
          200: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
        },
      },
    },
    async () => {
      await store.clear();
      return { message: 'Action logs cleared successfully' };
    },
  );
};
