import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type Server } from 'node:http';
import {
  type Context,
  type ContextManager,
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withContext } from '../../src/index.js';
import { httpRequestLog } from '../../src/integrations/http/index.js';
import { disableOpenTelemetry, enableOpenTelemetry } from '../../src/integrations/otel/enable.js';
import { close, closeAndRead, fileLogger, listen, sleep, TRACEPARENT } from './helpers.js';

/**
 * A context manager on AsyncLocalStorage, the way @opentelemetry/context-async-hooks does it:
 * @opentelemetry/api alone ships a no-op one, under which no span is ever active.
 */
class AlsContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(ctx, () => (target as (...a: unknown[]) => unknown).apply(this, args));
    } as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

/** A span with real ids (a non-recording span: the ids are all records need). */
function span(traceId: string, spanId: string): Span {
  return trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.SAMPLED });
}
const T1 = '4bf92f3577b34da6a3ce929d0e0e4736';
const T2 = '5bf92f3577b34da6a3ce929d0e0e4737';

function inSpan<T>(s: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), s), fn);
}

beforeAll(() => {
  expect(context.setGlobalContextManager(new AlsContextManager())).toBe(true);
});
afterAll(() => {
  context.disable();
});
afterEach(() => disableOpenTelemetry());

let server: Server | undefined;
afterEach(async () => {
  if (server) await close(server);
  server = undefined;
});

describe('OpenTelemetry trace ids', () => {
  it('fills trace_id and span_id from the active span, across await and nested spans', async () => {
    expect(enableOpenTelemetry()).toBe(true); // loads @opentelemetry/api itself
    const { log, dir } = fileLogger();
    log.info('outside any span');
    await inSpan(span(T1, '00f067aa0ba902b7'), async () => {
      log.info('in the parent span');
      await sleep(5);
      await inSpan(span(T1, '1111111111111111'), async () => {
        await sleep(1);
        log.info('in the child span');
      });
      log.info('back in the parent span');
    });
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.message, r.trace_id, r.span_id])).toEqual([
      ['outside any span', undefined, undefined],
      ['in the parent span', T1, '00f067aa0ba902b7'],
      ['in the child span', T1, '1111111111111111'],
      ['back in the parent span', T1, '00f067aa0ba902b7'],
    ]);
  });

  it('keeps concurrent spans apart', async () => {
    enableOpenTelemetry({ trace, isSpanContextValid });
    const { log, dir } = fileLogger();
    await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        inSpan(span(n % 2 ? T1 : T2, n.toString(16).padStart(16, 'a')), async () => {
          await sleep(Math.random() * 10);
          log.info('work', { n });
        }),
      ),
    );
    for (const record of await closeAndRead(log, dir)) {
      expect(record.trace_id).toBe(record.data.n % 2 ? T1 : T2);
      expect(record.span_id).toBe(record.data.n.toString(16).padStart(16, 'a'));
    }
  });

  it('an explicit trace_id wins; invalid spans and a disabled hook add nothing', async () => {
    enableOpenTelemetry();
    const { log, dir } = fileLogger();
    inSpan(span(T1, '00f067aa0ba902b7'), () => {
      log.info('explicit', { trace_id: 'mine' });
      withContext({ trace_id: 'scoped' }, () => log.info('scoped'));
    });
    inSpan(span('0'.repeat(32), '0'.repeat(16)), () => log.info('invalid span'));
    disableOpenTelemetry();
    inSpan(span(T1, '00f067aa0ba902b7'), () => log.info('disabled'));
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.message, r.trace_id, r.span_id])).toEqual([
      ['explicit', 'mine', undefined],
      ['scoped', 'scoped', undefined],
      ['invalid span', undefined, undefined],
      ['disabled', undefined, undefined],
    ]);
  });

  it('the request record and the handler records take the server span (traceparent left to the tracer)', async () => {
    const { log, dir } = fileLogger();
    const listener = httpRequestLog(
      (_req, res) => {
        inSpan(span(T2, '2222222222222222'), () => log.info('db query'));
        log.info('handled');
        res.end('ok');
      },
      { logger: log },
    );
    // What an HTTP instrumentation does: the server span is active around the request listener.
    server = createServer((req, res) => inSpan(span(T1, '00f067aa0ba902b7'), () => listener(req, res)));
    const base = await listen(server);
    await fetch(`${base}/x`, { headers: { traceparent: TRACEPARENT } });
    const records = await closeAndRead(log, dir);
    expect(records.map((r) => [r.message, r.trace_id, r.span_id])).toEqual([
      ['db query', T2, '2222222222222222'],
      ['handled', T1, '00f067aa0ba902b7'],
      ['GET /x 200', T1, '00f067aa0ba902b7'],
    ]);
    expect(records[2].data.parent_span_id).toBeUndefined();
  });

  it('the actionlog/otel entry enables it on import', async () => {
    await import('../../src/integrations/otel/index.js');
    const { log, dir } = fileLogger();
    inSpan(span(T1, '00f067aa0ba902b7'), () => log.info('traced'));
    const [record] = await closeAndRead(log, dir);
    expect(record).toMatchObject({ trace_id: T1, span_id: '00f067aa0ba902b7' });
  });
});
