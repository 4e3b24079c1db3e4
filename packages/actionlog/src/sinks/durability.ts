/**
 * - `buffered`: batched async writes (fast; a SIGKILL may lose the last batch).
 * - `sync`: the record is in the kernel before the call returns (survives SIGKILL).
 * - `fsync`: batched writes each followed by fdatasync, records arriving meanwhile share the next one (group commit).
 */
export type Durability = 'buffered' | 'sync' | 'fsync';
export const DURABILITIES = ['buffered', 'sync', 'fsync'] as const;

/** What a full buffer does: `block` writes synchronously (nothing lost), `drop` counts and reports. */
export type OverflowPolicy = 'block' | 'drop';
export const OVERFLOW_POLICIES = ['block', 'drop'] as const;
