/**
 * The seam between masking and serialization. The serializer walks a record once and asks the
 * masker about every key and every string it meets, so masking costs one walk, not two.
 */
export interface Masker {
  /** True when a field with this name must be replaced whole (compared case-insensitively, ignoring `-`, `_`, `.`). */
  isSensitiveKey(key: string): boolean;
  /** The string with every secret-looking part masked; returns the same string (no allocation) when nothing matches. */
  maskString(value: string): string;
  /** What a sensitive field's value becomes, e.g. `[MASKED]`. */
  readonly replacement: string;
  /** Exact dotted paths (e.g. `data.user.address`) to drop from the record entirely. */
  readonly dropPaths: ReadonlySet<string>;
}

/** A masker that masks nothing: used when `redact.enabled` is false. */
export const noMasking: Masker = {
  isSensitiveKey: () => false,
  maskString: (value) => value,
  replacement: '[MASKED]',
  dropPaths: new Set(),
};
