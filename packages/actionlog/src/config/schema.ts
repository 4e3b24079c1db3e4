import { z } from 'zod';
import { LEVEL_NAMES, parseLevel } from '../record/levels.js';
import { redactConfigSchema } from '../redact/redact-config.js';
import {
  DEFAULT_BLOCK_TIMEOUT_MS,
  DURABILITIES,
  OVERFLOW_POLICIES,
  WRITE_FAILURE_POLICIES,
} from '../sinks/durability.js';
import { parseSize } from './sizes.js';

const level = z.preprocess(
  (value) => (typeof value === 'string' ? (parseLevel(value) ?? value) : value),
  z.enum(LEVEL_NAMES),
);

/** Bytes as a number or a string with a binary unit: `65536`, `"64KB"`, `"50MB"`, `"2GB"`. */
const size = z
  .union([z.number().int().nonnegative(), z.string()])
  .superRefine((value, ctx) => {
    if (parseSize(value) === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a size such as 65536, "64KB", "50MB" or "2GB"' });
    }
  })
  .transform((value) => parseSize(value) ?? 0);

const durability = z.enum(DURABILITIES);
const overflow = z.enum(OVERFLOW_POLICIES);
const onWriteFailure = z
  .enum(WRITE_FAILURE_POLICIES)
  .default('buffer')
  .describe(
    'A synchronous record (audit(), or any record of a sync stream) the disk cannot take: buffer (return, hold it, retry) | ' +
      'block (wait up to blockTimeoutMs for the disk, then hold it) | fail (throw NotDurableError, keep nothing).',
  );
const blockTimeoutMs = z
  .number()
  .int()
  .nonnegative()
  .default(DEFAULT_BLOCK_TIMEOUT_MS)
  .describe(
    'How long a call waits for the disk with onWriteFailure "block" before it returns with the record held.',
  );
const names = z.array(z.string().min(1));
/** A number of days, or false for never. */
const days = z.union([z.number().int().nonnegative(), z.literal(false)]);
const sizeCap = z.union([size, z.literal(false)]);

export const retentionSchema = z.strictObject({
  background: z
    .boolean()
    .default(true)
    .describe(
      'Apply the policy from the logging process: at start-up, then daily (`actionlog clean` applies it on demand).',
    ),
  compressAfterDays: days
    .default(7)
    .describe('Gzip whole segments older than this many days to .jsonl.gz (false: never).'),
  retentionDays: days
    .default(30)
    .describe('Delete segments older than this many days (false: keep forever).'),
  maxTotalSize: sizeCap
    .default(false)
    .describe('Delete the oldest segments until the stream is under this size, e.g. "2GB" (false: no cap).'),
});

/** A stream's own retention: keys left out come from the top-level `retention`. */
const retentionOverride = z.strictObject({
  compressAfterDays: days.optional(),
  retentionDays: days.optional(),
  maxTotalSize: sizeCap.optional(),
});

export const fileSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('Write the main stream {dir}/{YYYY-MM-DD}.jsonl.'),
  durability: durability
    .default('buffered')
    .describe('buffered | sync (survives SIGKILL) | fsync (group commit).'),
  maxFileSize: size.prefault('50MB').describe('Start a new segment of the day past this size.'),
  maxBufferBytes: size.prefault('8MB').describe('Bound of the in-memory buffer of each file sink.'),
  batchBytes: size.prefault('64KB').describe('Write a batch once this much is buffered.'),
  flushIntervalMs: z
    .number()
    .int()
    .positive()
    .default(100)
    .describe('Write what is buffered at least this often.'),
  overflow: overflow
    .default('block')
    .describe('Full buffer: block (write synchronously) or drop (count and report).'),
  integrity: z.boolean().default(false).describe('Hash-chain the main stream too (see `actionlog verify`).'),
  onWriteFailure,
  blockTimeoutMs,
});

export const auditSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('Also write category "audit" to {dir}/audit/.'),
  durability: durability.default('sync'),
  integrity: z.boolean().default(true).describe('Hash-chain the audit stream (see `actionlog verify`).'),
  onWriteFailure,
  blockTimeoutMs,
  retention: retentionOverride
    .extend({
      retentionDays: days.default(365).describe('Audit trails are kept longer: 365 days by default.'),
    })
    .prefault({}),
});

export const streamSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/i, 'use letters, digits, "-" and "_"')
    .describe('Directory under {dir}, e.g. "errors" for {dir}/errors/{date}.jsonl.'),
  level: level.optional().describe('Lowest level the stream takes.'),
  categories: names.optional().describe('Only these categories.'),
  durability: durability.default('buffered'),
  integrity: z.boolean().default(false).describe('Hash-chain this stream (see `actionlog verify`).'),
  onWriteFailure,
  blockTimeoutMs,
  retention: retentionOverride.optional().describe('E.g. {"retentionDays": 90}; the rest from `retention`.'),
});

export const consoleSchema = z.union([
  z.boolean(),
  z.strictObject({
    enabled: z.boolean().default(true),
    format: z.enum(['pretty', 'json']).default('pretty'),
    stream: z.enum(['stdout', 'stderr']).default('stdout'),
    level: level.optional(),
    colour: z
      .boolean()
      .optional()
      .describe('Default: colours when the stream is a TTY and NO_COLOR is unset.'),
  }),
]);

export const limitsSchema = z.strictObject({
  maxDepth: z.number().int().default(10),
  maxStringLength: z
    .number()
    .int()
    .default(16 * 1024),
  maxRecordBytes: size.prefault('256KB'),
});

const settings = {
  $schema: z.string().optional(),
  dir: z.string().min(1).default('./logs').describe('Log directory.'),
  level: level.default('INFO').describe('Lowest level written: DEBUG, INFO, WARNING, ERROR, CRITICAL.'),
  name: z.string().optional().describe('The `logger` field of every record.'),
  app: z.string().optional(),
  service: z.string().optional(),
  category: z.string().optional().describe('Category when a record has none (default "system").'),
  categories: z
    .record(z.string(), z.string())
    .optional()
    .describe('Logger-name prefix → category, e.g. {"shop.auth": "security"}.'),
  console: consoleSchema.optional().describe('Default: on (pretty) unless NODE_ENV is "production".'),
  file: fileSchema.prefault({}),
  audit: auditSchema.prefault({}),
  retention: retentionSchema
    .prefault({})
    .describe('Compression and deletion of old segments; audit/ and each stream may override keys.'),
  streams: z
    .array(streamSchema)
    .default([])
    .describe('More filtered streams, e.g. errors/ for level >= ERROR.'),
  actions: z
    .strictObject({
      allow: names.optional().describe('Only these action types are logged.'),
      deny: names.optional().describe('These action types are never logged.'),
    })
    .prefault({}),
  limits: limitsSchema.prefault({}),
  exitHooks: z.boolean().default(true).describe('Flush on exit, signals and crashes.'),
  redact: redactConfigSchema.prefault({}).describe('Masking rules (see README "What gets masked").'),
};

export const configSchema = z.strictObject(settings);

/** The file form: the same settings plus per-NODE_ENV profiles laid over them. */
export const configFileSchema = z.strictObject({
  ...settings,
  profiles: z
    .partialRecord(z.enum(['development', 'production', 'test']), z.record(z.string(), z.unknown()))
    .optional()
    .describe('Settings laid over the rest when NODE_ENV matches.'),
});

/** What users write (every field optional). */
export type ActionlogConfigInput = z.input<typeof configSchema>;
/** After defaults. */
export type ActionlogConfig = z.output<typeof configSchema>;
