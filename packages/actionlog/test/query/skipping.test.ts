import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePredicate, type Expr, parseExpression, type Row } from '../../src/index.js';
import { FieldExtractor } from '../../src/query/engine/extract.js';
import { ChunkFieldReader } from '../../src/query/engine/field-scan.js';
import { requirementsOf } from '../../src/query/engine/needles.js';
import { normalizeExpr } from '../../src/query/normalize.js';
import { lowerAscii } from '../../src/query/values.js';

/**
 * The two shortcuts of the file engine may only ever be conservative: a line skipped by its
 * needles cannot match, and the field extractor either reads a field exactly as JSON.parse
 * would, or declines.
 */

const KEYS = ['service', 'status', 'duration_ms', 'level', 'data', 'error', 'svc', 'service_x', 'tags'];
const jsonValue = fc.oneof(
  fc.constantFrom(
    'PaymentService',
    'failed',
    'FAILED',
    'rate limit',
    'a"b',
    'x\\y',
    'café',
    '{',
    '}',
    '[',
    ']',
    '"service":1',
    'bash',
    '',
  ),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.constantFrom(0.1, 1e21, -0, 123.456, 5e-7),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    jsonValue,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const record = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 7 });

/** Strings (keys or values) holding brackets: only these can hide a torn line (see FieldExtractor). */
function bracketsInStrings(value: unknown): boolean {
  if (typeof value === 'string') return /[{}[\]]/.test(value);
  if (Array.isArray(value)) return value.some(bracketsInStrings);
  if (value && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => /[{}[\]]/.test(k) || bracketsInStrings(v));
  return false;
}

/** A line as JSON.stringify writes it, with a duplicate key, torn, spaced out, or two run together. */
const line = fc.oneof(
  record.map((r) => JSON.stringify(r)),
  fc
    .tuple(record, fc.constantFrom(...KEYS), jsonValue)
    .map(
      ([r, k, v]) =>
        `${JSON.stringify(r).slice(0, -1)}${Object.keys(r).length ? ',' : ''}"${k}":${JSON.stringify(v)}}`,
    ),
  fc.tuple(record, fc.nat()).map(([r, cut]) => {
    const text = JSON.stringify(r);
    const torn = text.slice(0, Math.max(1, cut % text.length));
    return bracketsInStrings(r) ? `${torn}\u0000may-pass` : torn;
  }),
  record.map((r) => JSON.stringify(r, null, 1).replace(/\n/g, '')),
  fc.tuple(record, record).map(([a, b]) => JSON.stringify(a) + JSON.stringify(b)),
);

describe('field extractor', () => {
  it('reads top-level fields exactly as JSON.parse, or declines', () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 8 }),
        fc.subarray(KEYS, { minLength: 1 }),
        (tagged, keys) => {
          const lines = tagged.map((l) => l.replace('\u0000may-pass', ''));
          const chunk = lines.join('\n');
          const extractor = new FieldExtractor(keys);
          extractor.reset(chunk);
          let at = 0;
          for (const [i, text] of lines.entries()) {
            const got = extractor.read(at, at + text.length);
            at += text.length + 1;
            if (got === undefined) continue;
            let parsed: Row;
            try {
              parsed = JSON.parse(text);
            } catch {
              if (tagged[i].endsWith('\u0000may-pass')) continue;
              throw new Error(`accepted a line JSON.parse rejects: ${text}`);
            }
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
              throw new Error(`not an object: ${text}`);
            for (const key of keys) {
              const want = Object.hasOwn(parsed, key) ? parsed[key] : undefined;
              if (want !== null && typeof want === 'object')
                throw new Error(`read a nested value for ${key}: ${text}`);
              expect(Object.is(got[key], want) || got[key] === want, `${key} in ${text}`).toBe(true);
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('the WebAssembly reader accepts the same lines and reads the same values', () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 8 }),
        fc.subarray(KEYS, { minLength: 1 }),
        fc.nat(40),
        (tagged, keys, pad) => {
          const lines = tagged.map((l) => l.replace('\u0000may-pass', ''));
          // Somewhere inside a larger buffer, as chunks are.
          const chunk = Buffer.from(`${'x'.repeat(pad)}\n${lines.join('\n')}\n`);
          const reader = ChunkFieldReader.create(keys)!;
          const extractor = new FieldExtractor(keys);
          // The extractor reads the chunk as the scanner gives it: a string, UTF-8 decoded.
          extractor.reset(lines.join('\n'));
          const ascii = lines.every((l) => /^[\x00-\x7f]*$/.test(l));
          const got: Array<{ row: Row | undefined; text: string }> = [];
          reader.lines(chunk, pad + 1, chunk.length, ascii, (row, a, b) => {
            got.push({ row: row && { ...row }, text: chunk.toString('utf8', a, b) });
          });
          const nonEmpty = lines.filter((l) => l !== '');
          expect(got.map((g) => g.text)).toEqual(nonEmpty);
          let at = 0;
          let i = 0;
          for (const l of lines) {
            const start = at;
            at += l.length + 1;
            if (l === '') continue;
            const mine = got[i++].row;
            const theirs = extractor.read(start, start + l.length);
            // Same rules: the same lines take the fast path, with the same values.
            expect(mine === undefined, `fast path for ${l}`).toBe(theirs === undefined);
            if (mine === undefined || theirs === undefined) continue;
            for (const key of keys) expect(Object.is(mine[key], theirs[key]), `${key} in ${l}`).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('the WebAssembly reader makes each string once, and still reads them all past its table', () => {
    const reader = ChunkFieldReader.create(['service', 'n'])!;
    // 6,000 distinct values (the intern table holds 4,096), each on two lines; one non-ASCII.
    const values = Array.from({ length: 6000 }, (_, i) => (i === 7 ? 'café-7' : `svc-${i}`));
    const lines = [...values, ...values].map((service, i) => JSON.stringify({ service, n: i }));
    const chunk = Buffer.from(`${lines.join('\n')}\n`);
    const seen: Array<{ service: unknown; n: unknown }> = [];
    reader.lines(chunk, 0, chunk.length, false, (row) => {
      seen.push({ service: row?.service, n: row?.n });
    });
    expect(seen).toEqual([...values, ...values].map((service, n) => ({ service, n })));
  });

  it('takes the fast path on the lines actionlog writes', () => {
    const text =
      '{"timestamp":"2026-11-23T10:00:00.000Z","seq":1,"level":"INFO","message":"m","service":"S","duration_ms":12.5,"data":{"service":"inner","tags":["a","b"]},"pid":1}';
    const extractor = new FieldExtractor(['level', 'duration_ms', 'seq', 'status']);
    extractor.reset(text);
    expect(extractor.read(0, text.length)).toEqual({ level: 'INFO', duration_ms: 12.5, seq: 1 });
    // A nested key of the same name sends the line to JSON.parse: the extractor cannot tell.
    const nested = new FieldExtractor(['service']);
    nested.reset(text);
    expect(nested.read(0, text.length)).toBeUndefined();
  });
});

const CONDITIONS = [
  'service = "PaymentService"',
  'status = "failed" and service = "PaymentService"',
  'status in ["failed", "FAILED"] or level = "ERROR"',
  '"rate limit"',
  '"RATE LIMIT" or "bash"',
  'not status = "failed"',
  'svc contains "bash"',
  'tags contains "bash"',
  'exists(error)',
  'exists(data.service)',
  'service like /^Payment/',
  'service like /payment/i',
  'status like /fail/iu',
  'level >= "warn"',
  'service = "café" or service = "a\\"b"',
  'duration_ms = 0.1 or status != "failed"',
];

describe('needles', () => {
  it('never reject a line that matches', () => {
    const compiled = CONDITIONS.map((text) => {
      const expr: Expr = normalizeExpr(parseExpression(text));
      return {
        text,
        match: compilePredicate(expr),
        requirements: requirementsOf([{ kind: 'filter', where: expr }]),
      };
    });
    fc.assert(
      fc.property(record, (r) => {
        const text = JSON.stringify(r);
        for (const { match, requirements, text: condition } of compiled) {
          if (!match(r, text)) continue;
          for (const requirement of requirements) {
            const found = requirement.some((n) =>
              n.ci ? lowerAscii(text).includes(n.text) : text.includes(n.text),
            );
            if (!found)
              throw new Error(`${condition}: matching line lacks ${JSON.stringify(requirement)}: ${text}`);
          }
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('derive the needles one would expect', () => {
    const of = (text: string) =>
      requirementsOf([{ kind: 'filter', where: normalizeExpr(parseExpression(text)) }]);
    expect(of('status = "failed" and service = "PaymentService"')).toEqual([
      [{ text: '"failed"', ci: false }],
      [{ text: '"PaymentService"', ci: false }],
    ]);
    expect(of('"Rate Limit"')).toEqual([[{ text: 'rate limit', ci: true }]]);
    expect(of('level >= "error"')).toEqual([
      [
        { text: '"ERROR"', ci: false },
        { text: '"CRITICAL"', ci: false },
      ],
    ]);
    expect(of('status = "failed" or duration_ms > 5')).toEqual([]);
    expect(of('service = "café"')).toEqual([]);
  });
});
