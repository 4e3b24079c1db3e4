export { type AppOptions, buildApp, DEFAULT_BODY_LIMIT } from './app.js';
export { checkExposure, isLoopbackHost, ServeError } from './auth/loopback.js';
export {
  type Authentication,
  allows,
  type Caller,
  SCOPES,
  type Scope,
  type TokenConfig,
  TokenConfigError,
  TokenSet,
} from './auth/tokens.js';
export { type InternalErrorReporter, reportToStderr } from './http/error-handling.js';
export { badParameter, HttpError } from './http/http-error.js';
export {
  BodyError,
  type DecodedBody,
  decodeJsonBody,
  decodeNdjsonBody,
  type Rejection,
} from './ingest/decode-body.js';
export {
  FileFollower,
  type FileFollowerOptions,
  type FileFollowerStats,
} from './ingest/file-follower.js';
export {
  createIngest,
  type Ingest,
  type IngestOptions,
  type IngestResult,
  type IngestSource,
} from './ingest/ingest.js';
export { MAX_DEPTH, MAX_NAME_LENGTH, type Validated, validateRecord } from './ingest/validate-record.js';
export { closeOnSignals, type RunningServer, type StartOptions, startServer } from './serve.js';
export { DEFAULTS, resolveSettings, type ServeOptions, type ServerSettings } from './server-config.js';
export { DEFAULT_DB_FILE, openStore, StoreSpecError, storePath } from './store/open-store.js';
export { type SearchCondition, searchCondition, TEXT_FIELDS } from './store/search-condition.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
export {
  type AppendOptions,
  CursorError,
  type FileOffset,
  type QueryOptions,
  type QueryOutput,
  type SearchFilters,
  type SearchPage,
  type Store,
  type StoredRecord,
  type StoreHealth,
  type StoreStats,
} from './store/store.js';
