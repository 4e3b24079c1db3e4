import { QueryError } from 'actionlog';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, shown } from './http-error.js';

/** Where 500s are reported (the client only hears "internal error"). */
export type InternalErrorReporter = (error: unknown, request: FastifyRequest) => void;

export const reportToStderr: InternalErrorReporter = (error, request) => {
  const cause = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`actionlog server: ${request.method} ${request.url.split('?')[0]} failed: ${cause}\n`);
};

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * Every error becomes `{"detail": "…"}` with its status: schema violations name the parameter
 * and what is allowed (the `description` of the parameter's schema), Fastify's own client errors
 * keep their status with a plain message, and anything unexpected is a 500 whose cause goes to
 * `report`, never to the client.
 */
export function installErrorHandling(app: FastifyInstance, report: InternalErrorReporter): void {
  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    if (error instanceof HttpError) {
      return send(reply.headers(error.headers), error.statusCode, error.detail);
    }
    if (error instanceof QueryError) return send(reply, 400, error.render());
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      return send(reply, 400, validationDetail(fastifyError, request));
    }
    const status = fastifyError.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return send(reply, status, clientErrorDetail(fastifyError, app));
    }
    report(error, request);
    return send(reply, 500, 'internal server error (the cause is in the server log)');
  });
  app.setNotFoundHandler((request, reply) => {
    send(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`);
  });
}

export function send(reply: FastifyReply, status: number, detail: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ detail });
}

function clientErrorDetail(error: FastifyError, app: FastifyInstance): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `the body is larger than this server's limit of ${app.initialConfig.bodyLimit} bytes: send fewer records per request`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'this Content-Type is not accepted here: send application/json or application/x-ndjson';
    default:
      return error.message;
  }
}

/** `limit: got "abc"; expected a whole number from 1 to 1000`. */
function validationDetail(error: FastifyError, request: FastifyRequest): string {
  const [first] = error.validation as unknown as AjvError[];
  const context = error.validationContext ?? 'body';
  const where = context === 'querystring' ? 'query' : context;
  const schema = (request.routeOptions.schema as Record<string, { properties?: Record<string, unknown> }>)?.[
    context
  ];
  const properties = (schema?.properties ?? {}) as Record<string, { description?: string }>;
  if (first.keyword === 'additionalProperties') {
    const name = String(first.params.additionalProperty);
    const allowed = Object.keys(properties);
    return `unknown ${where} parameter ${shown(name)}; ${allowed.length ? `allowed: ${allowed.join(', ')}` : 'this route takes none'}`;
  }
  if (first.keyword === 'required') {
    const name = String(first.params.missingProperty);
    const description = properties[name]?.description;
    return `${name}: required${description ? `; expected ${description}` : ''}`;
  }
  const name = decodeURIComponent(first.instancePath.split('/')[1] ?? '') || where;
  const input = (
    context === 'querystring' ? request.query : context === 'params' ? request.params : undefined
  ) as Record<string, unknown> | undefined;
  const value = input?.[name];
  const got = value === undefined ? '' : `got ${shown(value)}; `;
  const description = properties[name]?.description ?? first.message ?? 'a valid value';
  return `${name}: ${got}expected ${description}`;
}
