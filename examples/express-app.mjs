// An Express app logging with actionlog: one `http` record per request (route pattern, status,
// duration, request id), application records that carry the request's id, and a service whose
// methods are tracked actions.
//
//   npm run build && node examples/express-app.mjs
//   curl localhost:3000/orders/42; curl localhost:3000/orders/0; curl -XPOST localhost:3000/orders \
//     -H 'content-type: application/json' -d '{"sku":"tea","card_number":"4111 1111 1111 1111"}'
//   then look in ./logs/ (PORT, ACTIONLOG_DIR and the other ACTIONLOG_* variables apply)

import { createLogger, instrument } from 'actionlog';
import { expressErrorLog, expressRequestLog } from 'actionlog/http';
import express from 'express';

const log = createLogger({ dir: './logs', app: 'shop', name: 'shop.http' });

class OrderService {
  #orders = new Map([['42', { id: '42', sku: 'coffee', total: 12.5 }]]);

  async getOrder(id) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    const order = this.#orders.get(id);
    if (!order) throw Object.assign(new Error(`no order ${id}`), { status: 404 });
    return order;
  }

  async createOrder({ sku }) {
    const order = { id: String(this.#orders.size + 100), sku, total: 9.5 };
    this.#orders.set(order.id, order);
    return order;
  }
}
// Every call of every method becomes an action record: service, action, status, duration_ms, error.
const orders = instrument(new OrderService(), { logger: log, service: 'OrderService' });

const app = express();
app.use(expressRequestLog({ logger: log, skip: ['/health'], body: true }));
app.use(express.json());

app.get('/health', (_req, res) => res.send('ok'));
app.get('/orders/:id', async (req, res) => {
  const order = await orders.getOrder(req.params.id);
  log.info('order viewed', { order_id: order.id }); // carries this request's request_id
  res.json(order);
});
app.post('/orders', async (req, res) => {
  const order = await orders.createOrder(req.body);
  log.audit('order_created', { order_id: order.id, sku: order.sku });
  res.status(201).json(order);
});

app.use(expressErrorLog()); // puts the error on the request's record
app.use((error, _req, res, _next) => res.status(error.status ?? 500).json({ error: error.message }));

const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});
