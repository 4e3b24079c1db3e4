import { describe, expect, it } from 'vitest';
import { evaluate, type Row } from '../../src/index.js';
import { EXACT_PERCENTILE_LIMIT } from '../../src/query/aggregates.js';
import { parsePipeline } from '../../src/query/parser.js';
import {
  newSketch,
  SKETCH_RELATIVE_ACCURACY,
  sketchAdd,
  sketchMerge,
  sketchQuantile,
} from '../../src/query/sketch.js';
import { seeded } from './fixtures.js';

function exactQuantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  return sorted[lower] + (sorted[Math.ceil(position)] - sorted[lower]) * (position - lower);
}

describe('DDSketch percentiles', () => {
  const random = seeded(3);
  // Durations are log-normal-ish: most fast, a long tail; plus zeros and a few negatives.
  const values = Array.from({ length: 200_000 }, (_, i) =>
    i % 1000 === 0 ? 0 : i % 997 === 0 ? -random() * 50 : Math.exp(random() * 12 - 2) * (1 + random()),
  );
  const sorted = values.slice().sort((a, b) => a - b);

  it(`is within ${SKETCH_RELATIVE_ACCURACY * 100}% of the true value at the rank`, () => {
    const sketch = newSketch();
    for (const v of values) sketchAdd(sketch, v);
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999]) {
      const rank = Math.floor(q * (sorted.length - 1));
      const truth = sorted[rank];
      const estimate = sketchQuantile(sketch, q)!;
      // The estimate is for a value at rank floor or ceil of q·(n-1): allow either neighbour.
      const near = [truth, sorted[rank + 1]].some(
        (t) => Math.abs(estimate - t) <= SKETCH_RELATIVE_ACCURACY * Math.abs(t) + 1e-9,
      );
      expect(near, `q=${q}: ${estimate} vs ${truth}`).toBe(true);
    }
    expect(sketchQuantile(sketch, 0)).toBe(sorted[0]);
    expect(sketchQuantile(sketch, 1)).toBe(sorted[sorted.length - 1]);
  });

  it('merges to the same sketch whatever the split', () => {
    const whole = newSketch();
    for (const v of values) sketchAdd(whole, v);
    const parts = [newSketch(), newSketch(), newSketch()];
    for (const [i, v] of values.entries()) sketchAdd(parts[i % 3], v);
    const merged = newSketch();
    for (const part of parts) sketchMerge(merged, part);
    for (const q of [0.5, 0.9, 0.99]) expect(sketchQuantile(merged, q)).toBe(sketchQuantile(whole, q));
  });

  it(`is exact (interpolated) up to ${EXACT_PERCENTILE_LIMIT} values per group, a sketch past that`, () => {
    const small: Row[] = values
      .slice(0, EXACT_PERCENTILE_LIMIT)
      .map((d) => ({ timestamp: '2026-01-01T00:00:00.000Z', d }));
    const [exact] = evaluate(small, parsePipeline('stats p95(d) as p'));
    expect(exact.p).toBe(
      exactQuantile(
        values.slice(0, EXACT_PERCENTILE_LIMIT).sort((a, b) => a - b),
        0.95,
      ),
    );
    const large: Row[] = values.map((d) => ({ timestamp: '2026-01-01T00:00:00.000Z', d }));
    const [approx] = evaluate(large, parsePipeline('stats p95(d) as p'));
    const truth = exactQuantile(sorted, 0.95);
    expect(Math.abs((approx.p as number) - truth) / truth).toBeLessThan(SKETCH_RELATIVE_ACCURACY * 1.05);
  });
});
