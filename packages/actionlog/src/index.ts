export { findConfigFile, type LoadedConfig, loadConfig } from './config/load.js';
export type { ActionlogConfig, ActionlogConfigInput } from './config/schema.js';
export {
  applyRetention,
  type RetentionEvent,
  type RetentionRunOptions,
  type RetentionStream,
  type RetentionSummary,
} from './files/apply-retention.js';
export type { BreakReason, ChainBreak } from './files/diagnose-break.js';
export { type RetentionPolicy, type StreamPolicy, streamPolicies } from './files/retention-policy.js';
export { listSegments, parseSegmentName, type SegmentInfo, segmentFileName } from './files/segments.js';
export {
  findChainedStreams,
  type StreamReport,
  type VerifyOptions,
  VerifyUsageError,
  verifyStream,
} from './files/verify-chain.js';
export { type InstrumentOptions, instrument } from './integrations/instrument.js';
export { currentContext, withContext } from './logger/context.js';
export { type CreateLoggerOptions, createLogger } from './logger/create-logger.js';
export { type EndTimer, Logger, type LoggerHealth } from './logger/logger.js';
export type {
  Aggregate,
  AggregateFunction,
  CompareOp,
  Expr,
  FieldRef,
  GroupKey,
  Literal,
  QueryAst,
  Row,
  SortKey,
  Stage,
  TimeRange,
} from './query/ast.js';
export { compilePredicate, evaluate, evaluateLines, type Predicate } from './query/compile-js.js';
export {
  FileEngine,
  type FileEngineOptions,
  type QueryInput,
  type QueryResult,
  type RunOptions,
  type ScanStats,
} from './query/engine/file-engine.js';
export { type FollowOptions, followLines } from './query/engine/follow.js';
export { QueryError } from './query/errors.js';
export { formatPipeline } from './query/format-pipeline.js';
export { parseExpression, parsePipeline } from './query/parser.js';
export { type AggregateSpec, Query, type StatsOptions, type TimeInput, type WhereOp } from './query/query.js';
export {
  type CompiledSql,
  compileSqlite,
  registerSqliteFunctions,
  type SqliteTarget,
} from './query/sql/compile-sqlite.js';
export { CATEGORIES } from './record/categories.js';
export { LEVEL, LEVEL_NAMES, type LevelName, OTEL_SEVERITY, parseLevel } from './record/levels.js';
export {
  type ActionRecord,
  CORRELATION_FIELDS,
  type CorrelationIds,
  type ErrorInfo,
  FAILURE_STATUSES,
  type LogFields,
} from './record/record.js';
export { compileMasker } from './redact/compile-masker.js';
export { maskLine } from './redact/mask-text.js';
export type { Masker } from './redact/masker.js';
export {
  checkRedactConfig,
  type RedactConfig,
  type RedactConfigInput,
  redactConfigSchema,
} from './redact/redact-config.js';
export { BUILT_IN_RULE_NAMES } from './redact/value-patterns.js';
export {
  type Durability,
  NotDurableError,
  type OverflowPolicy,
  type WriteFailurePolicy,
} from './sinks/durability.js';
export { MemorySink } from './sinks/memory-sink.js';
export type { RecordView, Sink, SinkFilter, SinkHealth } from './sinks/sink.js';
