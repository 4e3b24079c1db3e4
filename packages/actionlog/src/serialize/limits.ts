/** Caps that keep one record from exhausting memory or flooding a file. */
export interface SerializeLimits {
  /** Objects nested deeper than this become `"[MaxDepth]"`. */
  maxDepth: number;
  /** Longer strings are cut and end with `…[+N chars]`. */
  maxStringLength: number;
  /**
   * A record whose line is longer loses its `data` (replaced by a `_truncated` marker) and its
   * stacks. The serializer stops reading a value once its JSON has passed this length (the rest
   * would be dropped anyway), so a huge object costs about this much work, not its whole size.
   */
  maxRecordBytes: number;
}

export const DEFAULT_LIMITS: SerializeLimits = {
  maxDepth: 10,
  maxStringLength: 16 * 1024,
  maxRecordBytes: 256 * 1024,
};
