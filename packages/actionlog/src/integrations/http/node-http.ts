import type { IncomingMessage, ServerResponse } from 'node:http';
import { countBodyBytes } from './body-bytes.js';
import { beginRequest, logRequest, type RequestLogOptions, requestLogSettings } from './request-log.js';
import { routeFromPath } from './route-pattern.js';
import { runInRequest } from './run-in-request.js';

export interface HttpRequestLogOptions extends RequestLogOptions {
  /**
   * The route pattern of a request, e.g. from your router. Default: the path with id-like segments
   * replaced by `:id` (`/users/42` → `/users/:id`).
   */
  route?: (req: IncomingMessage) => string | undefined;
}

/**
 * Wraps a `node:http` request listener: each request runs with a `request_id` context and gets one
 * `http` record when its response ends (or the client goes away).
 *
 * ```js
 * http.createServer(httpRequestLog(handler, { logger: log }))
 * ```
 */
export function httpRequestLog<Req extends IncomingMessage, Res extends ServerResponse>(
  handler: (req: Req, res: Res) => void,
  options: HttpRequestLogOptions,
): (req: Req, res: Res) => void {
  const settings = requestLogSettings(options);
  const routeOf = options.route;
  return function actionlogRequestListener(req: Req, res: Res): void {
    const scope = beginRequest(settings, req, (name, value) => res.setHeader(name, value));
    const counter = countBodyBytes(res);
    res.once('close', () => {
      let route: string | undefined;
      try {
        route = routeOf?.(req);
      } catch {
        route = undefined;
      }
      logRequest(settings, scope, req, res, route ?? routeFromPath(req.url), counter.bytes);
    });
    runInRequest(scope, handler, req, res);
  };
}
