/**
 * DDSketch (Masson, Rim & Lee, VLDB 2019): a mergeable quantile sketch with a relative-error
 * guarantee. Values fall into logarithmic buckets `(γ^(i-1), γ^i]` with γ = (1+α)/(1-α); the
 * estimate of the value at any rank is within ±α (here 1%) of the true value at that rank.
 * Merging adds bucket counts, so the result does not depend on how the input was split
 * across workers or in which order it arrived.
 *
 * Plain data (arrays and numbers, no class) so it crosses worker boundaries by structured clone.
 */
export interface SketchState {
  count: number;
  zero: number;
  /** Bucket counts by index + INDEX_OFFSET (sparse arrays: a few hundred buckets in practice). */
  positive: number[];
  negative: number[];
  min: number;
  max: number;
}

export const SKETCH_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Values closer to zero than this count as zero. */
const MIN_INDEXABLE = 1e-9;
/** Keeps bucket indexes of values down to MIN_INDEXABLE non-negative, so they are array indexes. */
const INDEX_OFFSET = 1100;

export function newSketch(): SketchState {
  return { count: 0, zero: 0, positive: [], negative: [], min: Infinity, max: -Infinity };
}

export function sketchAdd(sketch: SketchState, value: number): void {
  sketch.count++;
  if (value < sketch.min) sketch.min = value;
  if (value > sketch.max) sketch.max = value;
  if (value > MIN_INDEXABLE) {
    const index = Math.ceil(Math.log(value) / LOG_GAMMA) + INDEX_OFFSET;
    sketch.positive[index] = (sketch.positive[index] ?? 0) + 1;
  } else if (value < -MIN_INDEXABLE) {
    const index = Math.ceil(Math.log(-value) / LOG_GAMMA) + INDEX_OFFSET;
    sketch.negative[index] = (sketch.negative[index] ?? 0) + 1;
  } else {
    sketch.zero++;
  }
}

export function sketchMerge(into: SketchState, from: SketchState): void {
  into.count += from.count;
  into.zero += from.zero;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
  from.positive.forEach((n, index) => {
    into.positive[index] = (into.positive[index] ?? 0) + n;
  });
  from.negative.forEach((n, index) => {
    into.negative[index] = (into.negative[index] ?? 0) + n;
  });
}

/** The value at quantile `q` (0..1), within 1% of the true value at that rank; null when empty. */
export function sketchQuantile(sketch: SketchState, q: number): number | null {
  if (sketch.count === 0) return null;
  if (q <= 0) return sketch.min;
  if (q >= 1) return sketch.max;
  const rank = q * (sketch.count - 1);
  let seen = 0;
  for (let index = sketch.negative.length - 1; index >= 0; index--) {
    const n = sketch.negative[index];
    if (n === undefined) continue;
    seen += n;
    if (seen > rank) return clamp(-bucketValue(index), sketch);
  }
  seen += sketch.zero;
  if (seen > rank) return 0;
  for (let index = 0; index < sketch.positive.length; index++) {
    const n = sketch.positive[index];
    if (n === undefined) continue;
    seen += n;
    if (seen > rank) return clamp(bucketValue(index), sketch);
  }
  return sketch.max;
}

function bucketValue(index: number): number {
  return (2 * GAMMA ** (index - INDEX_OFFSET)) / (GAMMA + 1);
}

function clamp(value: number, sketch: SketchState): number {
  return Math.min(sketch.max, Math.max(sketch.min, value));
}
