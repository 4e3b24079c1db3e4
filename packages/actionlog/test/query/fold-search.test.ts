import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FoldedSearch } from '../../src/query/engine/fold-search.js';
import { lowerAscii } from '../../src/query/values.js';

/**
 * The full-text search must find exactly where lowerAscii(text) contains lowerAscii(term): the
 * WebAssembly kernel (16 bytes a step, folded first/last-byte filter) and the JavaScript
 * fallback alike, at every offset and near every edge of the region.
 */

/** The reference: the first byte offset >= from where the folded needle starts and ends by `end`. */
function naive(hay: Buffer, needle: Buffer, from: number, end: number): number {
  const h = Buffer.from(lowerAscii(hay.toString('latin1')), 'latin1');
  const n = Buffer.from(lowerAscii(needle.toString('latin1')), 'latin1');
  const at = h.subarray(0, end).indexOf(n, from);
  return at;
}

/** A region that the kernel does not hold: forces the JavaScript path. */
function jsRegion(bytes: Uint8Array, start: number, end: number) {
  return { bytes, start, end, kernelBase: -1 };
}

const alphabet = fc.constantFrom(...'aAbBzZ@[`{ "\\:,rRtT\u00e9\u00c9\u00ff\u0000\n'.split(''));
const text = (max: number) =>
  fc.array(alphabet, { maxLength: max, size: 'max' }).map((cs) => Buffer.from(cs.join(''), 'utf8'));

describe('FoldedSearch', () => {
  it('finds what lowerAscii(line).includes(lowerAscii(term)) finds, on both paths', () => {
    fc.assert(
      fc.property(
        text(200),
        text(6).filter((b) => b.length > 0),
        fc.nat(),
        fc.nat(),
        (hay, needle, a, b) => {
          const start = hay.length === 0 ? 0 : a % (hay.length + 1);
          const end = start + (hay.length === 0 ? 0 : b % (hay.length - start + 1));
          const search = new FoldedSearch(Buffer.from(lowerAscii(needle.toString('latin1')), 'latin1'));
          const region = FoldedSearch.region(hay, start, end);
          // Every match in turn, as the scanner walks them.
          for (let from = start, guard = 0; guard < 300; guard++) {
            const expected = naive(hay, needle, from, end);
            expect(search.indexIn(region, from)).toBe(expected);
            expect(search.indexIn(jsRegion(hay, start, end), from)).toBe(expected);
            if (expected === -1) break;
            from = expected + 1;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('uses the kernel (WebAssembly SIMD is there on Node 20+) and finds matches across 16-byte blocks', () => {
    const line = `${'x'.repeat(1000)}Rate LIMIT${'y'.repeat(37)}rate limit${'z'.repeat(5)}RATE limiT`;
    const hay = Buffer.from(line);
    const region = FoldedSearch.region(hay, 0, hay.length);
    expect(region.kernelBase).toBeGreaterThanOrEqual(0);
    const search = new FoldedSearch(Buffer.from('rate limit'));
    const found: number[] = [];
    for (let at = search.indexIn(region, 0); at !== -1; at = search.indexIn(region, at + 1)) found.push(at);
    expect(found).toEqual([1000, 1047, 1062]);
    // Letters fold, other bytes do not: '@' is not '`', '[' is not '{'.
    const symbols = Buffer.from('a`b{c');
    expect(new FoldedSearch(Buffer.from('@')).indexIn(FoldedSearch.region(symbols, 0, 5), 0)).toBe(-1);
    expect(new FoldedSearch(Buffer.from('[')).indexIn(FoldedSearch.region(symbols, 0, 5), 0)).toBe(-1);
  });
});
