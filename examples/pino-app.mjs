// A pino application switched over to actionlog: its log calls are unchanged; only the
// destination is. Records land in ./logs/ masked (card numbers, tokens), rotated and queryable.
//
//   npm run build && node examples/pino-app.mjs && cat logs/*.jsonl
import pino from 'pino';

// Before: const logger = pino({ name: 'billing' });
const logger = pino(
  { name: 'billing' },
  pino.transport({ target: 'actionlog/pino', options: { dir: './logs', app: 'billing', console: false } }),
);

logger.info({ user_id: 'u-17', card_number: '4111 1111 1111 1111' }, 'checkout started');

const request = logger.child({ request_id: 'req-9' });
request.debug('not written: below the logger level');
request.warn({ attempt: 2 }, 'card declined, retrying');

const error = new Error('gateway timeout', { cause: new Error('connect ETIMEDOUT') });
error.code = 'E_GATEWAY';
request.error(error, 'charge failed');

logger.info({ action: 'invoice_sent', status: 'success', duration_ms: 12.5 }, 'invoice sent');
// pino ends its transport on exit; actionlog flushes and closes the files before the worker stops.
