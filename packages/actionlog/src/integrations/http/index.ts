export { expressErrorLog, expressRequestLog } from './express.js';
export { fastifyRequestLog } from './fastify.js';
export { type HttpRequestLogOptions, httpRequestLog } from './node-http.js';
export type { RequestLogOptions } from './request-log.js';
export { routeFromPath } from './route-pattern.js';
