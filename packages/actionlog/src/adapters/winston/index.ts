export { fromWinston, winstonLevel } from './from-winston.js';
export { ActionlogTransport, type ActionlogTransportOptions } from './transport.js';
