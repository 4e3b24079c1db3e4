import { join, resolve } from 'node:path';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import type { ActionlogConfig, ActionlogConfigInput } from '../config/schema.js';
import { integrityKeyFromEnv } from '../files/chain-hash.js';
import { IntegrityChain } from '../files/integrity-chain.js';
import { streamPolicies } from '../files/retention-policy.js';
import { describeRetention, scheduleRetention } from '../files/retention-scheduler.js';
import { registerForExit, unregisterForExit } from '../pipeline/exit-hooks.js';
import { writeStderr } from '../pipeline/stderr.js';
import { DEFAULT_CATEGORY } from '../record/categories.js';
import { LEVEL } from '../record/levels.js';
import { compileMasker } from '../redact/compile-masker.js';
import { noMasking } from '../redact/masker.js';
import { ConsoleSink } from '../sinks/console-sink.js';
import type { Durability, WriteFailurePolicy } from '../sinks/durability.js';
import type { FileSink } from '../sinks/file-sink.js';
import { acquireFileSink, releaseFileSink } from '../sinks/file-sink-registry.js';
import type { Sink } from '../sinks/sink.js';
import { extendBindings, NO_BINDINGS } from './bindings.js';
import { Logger } from './logger.js';
import { LoggerCore } from './logger-core.js';

export interface CreateLoggerOptions extends ActionlogConfigInput {
  /** More sinks, e.g. a `MemorySink` in tests. */
  sinks?: Sink[];
  /** Milliseconds since the epoch; injectable so tests can cross midnight. */
  clock?: () => number;
}

/**
 * A logger from `options`, or, when omitted, from the config file (`actionlog.config.json` /
 * `.yaml` found upwards from the working directory, or `ACTIONLOG_CONFIG`). `ACTIONLOG_*`
 * variables override either. Never throws: invalid settings are reported on stderr and fall back
 * to their defaults.
 */
export function createLogger(options?: CreateLoggerOptions): Logger {
  const { sinks: extraSinks, clock, ...settings } = options ?? {};
  const loaded = loadConfig({ options: options === undefined ? undefined : settings });
  reportProblems(loaded);
  return loggerFromConfig(loaded.config, extraSinks ?? [], clock ?? Date.now);
}

function reportProblems(loaded: LoadedConfig): void {
  for (const error of loaded.errors) writeStderr(`[actionlog] config error: ${error} (using the default)\n`);
  for (const warning of loaded.warnings) writeStderr(`[actionlog] config warning: ${warning}\n`);
}

export function loggerFromConfig(config: ActionlogConfig, extraSinks: Sink[], clock: () => number): Logger {
  let core: LoggerCore | undefined;
  const systemLine = (
    level: Parameters<LoggerCore['systemLine']>[0],
    message: string,
    data: Record<string, unknown>,
  ) => core!.systemLine(level, message, data);
  const dir = resolve(config.dir);
  const fileSinks: FileSink[] = [];
  const chains: IntegrityChain[] = [];
  const integrityKey = integrityKeyFromEnv();
  const chainFor = (streamDir: string, on: boolean): IntegrityChain | undefined => {
    if (!on) return undefined;
    const chain = new IntegrityChain({ dir: streamDir, key: integrityKey });
    chains.push(chain);
    return chain;
  };
  /** A stream's durability settings and chain (a record refused by `fail` is taken back from the chain). */
  const streamSettings = (streamDir: string, stream: StreamDurability) => ({
    durability: stream.durability,
    onWriteFailure: stream.onWriteFailure,
    blockTimeoutMs: stream.blockTimeoutMs,
    transform: chainFor(streamDir, stream.integrity),
  });
  const fileSettings = {
    maxFileSize: config.file.maxFileSize,
    maxBufferBytes: config.file.maxBufferBytes,
    batchBytes: config.file.batchBytes,
    flushIntervalMs: config.file.flushIntervalMs,
    overflow: config.file.overflow,
    clock,
    systemLine,
  };
  if (config.file.enabled) {
    fileSinks.push(
      acquireFileSink({
        ...fileSettings,
        name: 'main',
        dir,
        filter: { minLevel: 0 },
        ...streamSettings(dir, config.file),
      }),
    );
  }
  if (config.audit.enabled) {
    fileSinks.push(
      acquireFileSink({
        ...fileSettings,
        name: 'audit',
        dir: join(dir, 'audit'),
        filter: { minLevel: 0, categories: new Set(['audit']) },
        ...streamSettings(join(dir, 'audit'), config.audit),
      }),
    );
  }
  for (const stream of config.streams) {
    fileSinks.push(
      acquireFileSink({
        ...fileSettings,
        name: stream.name,
        dir: join(dir, stream.name),
        filter: {
          minLevel: stream.level ? LEVEL[stream.level] : 0,
          categories: stream.categories ? new Set(stream.categories) : undefined,
        },
        ...streamSettings(join(dir, stream.name), stream),
      }),
    );
  }
  const sinks: Sink[] = [...fileSinks];
  const consoleSink = createConsoleSink(config);
  if (consoleSink) sinks.push(consoleSink);
  sinks.push(...extraSinks);

  core = new LoggerCore(
    {
      minLevel: LEVEL[config.level],
      app: config.app,
      defaultCategory: config.category ?? DEFAULT_CATEGORY,
      categoryPrefixes: config.categories ?? {},
      allowActions: config.actions.allow ? new Set(config.actions.allow) : undefined,
      denyActions: new Set(config.actions.deny ?? []),
      auditSync: config.audit.durability === 'sync',
      limits: config.limits,
      masker: config.redact.enabled ? compileMasker(config.redact) : noMasking,
      clock,
    },
    sinks,
  );
  const liveCore = core;

  let closing: Promise<void> | undefined;
  const participant = {
    flushOnExit: () => {
      for (const sink of sinks) sink.flushSync(true);
    },
    recordCrash: (error: unknown, origin: string) => root.recordCrash(error, origin),
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      liveCore.closed = true;
      unregisterForExit(participant);
      retention?.stop();
      await Promise.all([
        ...fileSinks.map((sink) => releaseFileSink(sink)),
        ...sinks.filter((sink) => !fileSinks.includes(sink as FileSink)).map((sink) => sink.close()),
      ]);
      for (const chain of chains) chain.checkpoint();
    })();
    return closing;
  };

  const rootFields: Record<string, unknown> = {};
  if (config.name !== undefined) rootFields.logger = config.name;
  if (config.service !== undefined) rootFields.service = config.service;
  const root = new Logger(core, extendBindings(NO_BINDINGS, rootFields, core.serializer), close);
  if (config.exitHooks) registerForExit(participant);
  const retention =
    config.retention.background && fileSinks.length > 0
      ? scheduleRetention({
          streams: streamPolicies(config).map(({ name, dir, retention }) => ({ name, dir, retention })),
          clock,
          livePaths: () => fileSinks.map((sink) => sink.health().target),
          integrityKey,
          onSummary: (summary) => {
            for (const event of summary.events) {
              if (event.kind === 'error')
                writeStderr(`[actionlog] retention: ${event.path}: ${event.message}\n`);
            }
            const done = describeRetention(summary);
            if (done) root.info(done.message, { category: 'system', logger: 'actionlog', ...done.data });
          },
          onError: (message) => writeStderr(`[actionlog] retention: ${message}\n`),
        })
      : undefined;
  return root;
}

interface StreamDurability {
  durability: Durability;
  onWriteFailure: WriteFailurePolicy;
  blockTimeoutMs: number;
  integrity: boolean;
}

function createConsoleSink(config: ActionlogConfig): ConsoleSink | undefined {
  const setting = config.console ?? process.env.NODE_ENV !== 'production';
  if (setting === false) return undefined;
  const options = setting === true ? { enabled: true as const } : setting;
  if (!options.enabled) return undefined;
  return new ConsoleSink({
    filter: { minLevel: 'level' in options && options.level ? LEVEL[options.level] : 0 },
    format: 'format' in options && options.format ? options.format : 'pretty',
    stream: 'stream' in options && options.stream ? options.stream : 'stdout',
    colour: 'colour' in options ? options.colour : undefined,
  });
}
