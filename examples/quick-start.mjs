// The README's 30-second quick start, runnable: `npm run build && node examples/quick-start.mjs`
import { createLogger } from 'actionlog';

const dir = process.argv[2] ?? './logs';
const log = createLogger({ dir, app: 'shop', service: 'CaseService' });

const db = { insert: async (row) => ({ id: 'case-1', ...row }) };
const row = { title: 'Printer on fire' };
const err = new Error('card declined', { cause: new Error('issuer unavailable') });

log.info('server started', { port: 8080 });
log.action('tool_call', { tool_name: 'bash', args: { cmd: 'ls' }, session_id: 's-1' });
await log.track('createCase', () => db.insert(row)); // status, duration_ms, error
log.audit('role_granted', { user_id: 'admin', target: 'u-7' }); // in the kernel before it returns
log.error(err, 'payment failed'); // error + cause chain
