export { pinoDestination } from './destination.js';
export { DEFAULT_PINO_FORMAT, fromPino, type PinoFormat, pinoLevel } from './from-pino.js';
export { default, type PinoTransportOptions, PinoTransportStream } from './transport.js';
