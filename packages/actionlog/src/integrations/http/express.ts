import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  beginRequest,
  contentLength,
  logRequest,
  type RequestLogOptions,
  type RequestScope,
  requestLogSettings,
} from './request-log.js';
import { routeFromPath } from './route-pattern.js';
import { runInRequest } from './run-in-request.js';

/** The parts of Express's request this reads (typed here so `actionlog` needs no Express types). */
interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  originalUrl?: string;
  route?: { path?: unknown };
  body?: unknown;
}

type Next = (error?: unknown) => void;

const SCOPE = Symbol('actionlog.request');

interface WithScope {
  [SCOPE]?: RequestScope;
}

/**
 * Express middleware: each request runs with a `request_id` context and gets one `http` record
 * with its route pattern (`/users/:id`) when the response ends. Register it before the routes.
 *
 * ```js
 * app.use(expressRequestLog({ logger: log }));
 * ```
 */
export function expressRequestLog(
  options: RequestLogOptions,
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const settings = requestLogSettings(options);
  return function actionlogRequestLog(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const request = req as ExpressRequest & WithScope;
    const scope = beginRequest(settings, req, (name, value) => res.setHeader(name, value));
    request[SCOPE] = scope;
    watchRoute(request, scope);
    res.once('close', () => {
      logRequest(
        settings,
        scope,
        req,
        res,
        scope.route ?? routeFromPath(request.originalUrl ?? req.url),
        contentLength(res.getHeader('content-length')),
        settings.body ? request.body : undefined,
      );
    });
    runInRequest(scope, next);
  };
}

/**
 * Express error middleware that puts the error on the request's record, then passes it on.
 * Register it after the routes: `app.use(expressErrorLog())`.
 */
export function expressErrorLog(): (
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
) => void {
  return function actionlogErrorLog(
    error: unknown,
    req: IncomingMessage,
    _res: ServerResponse,
    next: Next,
  ): void {
    const scope = (req as WithScope)[SCOPE];
    if (scope !== undefined) scope.error = error;
    next(error);
  };
}

/**
 * Express sets `req.route` when a route matches, while `req.baseUrl` still holds the mount path of
 * its router (it is restored as the request leaves the router): catch that moment to keep the
 * whole pattern, `/api` + `/users/:id`.
 */
function watchRoute(req: ExpressRequest, scope: RequestScope): void {
  let current = req.route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (route: ExpressRequest['route']) => {
      current = route;
      const path = route?.path;
      if (path === undefined || path === null) return;
      const routePath = String(path);
      const base = req.baseUrl ?? '';
      scope.route = base === '' ? routePath : routePath === '/' ? base : base + routePath;
    },
  });
}
