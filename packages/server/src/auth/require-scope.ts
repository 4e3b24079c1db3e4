import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/http-error.js';
import { allows, type Caller, type Scope, type TokenSet } from './tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs when tokens are configured; routes without one are open (probes). */
    scope?: Scope;
  }
  interface FastifyRequest {
    /** Who called, when tokens are configured and the route needs a scope. */
    caller?: Caller;
  }
}

/**
 * Checks every request against the route's `config.scope`: with no tokens configured every
 * route is open (the server is loopback-only then, see checkExposure); with tokens, a missing or
 * wrong token is a 401 and a token without the scope a 403.
 */
export function installAuth(app: FastifyInstance, tokens: TokenSet): void {
  if (tokens.size === 0) return;
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config?.scope;
    if (scope === undefined) return;
    const result = tokens.authenticate(request.headers.authorization);
    if (!result.ok) throw new HttpError(401, result.detail, { 'www-authenticate': 'Bearer' });
    if (!allows(result.caller, scope)) {
      throw new HttpError(
        403,
        `this route needs the "${scope}" scope; ${result.caller.name} has: ${[...result.caller.scopes].join(', ')}`,
      );
    }
    request.caller = result.caller;
  });
}
