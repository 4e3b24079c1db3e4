import type { ActionlogConfig } from './schema.js';
import { formatSize } from './sizes.js';

interface Range {
  path: string;
  min: number;
  max: number;
  size: boolean;
  get: (c: ActionlogConfig) => number;
  set: (c: ActionlogConfig, v: number) => void;
}

const KiB = 1024;
/** A `block` wait shorter than one retry is no wait; longer than a minute stalls the application. */
const BLOCK_TIMEOUT_MIN_MS = 10;
const BLOCK_TIMEOUT_MAX_MS = 60_000;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const RANGES: Range[] = [
  {
    path: 'file.maxFileSize',
    min: KiB,
    max: 1024 * GiB,
    size: true,
    get: (c) => c.file.maxFileSize,
    set: (c, v) => {
      c.file.maxFileSize = v;
    },
  },
  {
    path: 'file.maxBufferBytes',
    min: 64 * KiB,
    max: GiB,
    size: true,
    get: (c) => c.file.maxBufferBytes,
    set: (c, v) => {
      c.file.maxBufferBytes = v;
    },
  },
  {
    path: 'file.batchBytes',
    min: KiB,
    max: 16 * MiB,
    size: true,
    get: (c) => c.file.batchBytes,
    set: (c, v) => {
      c.file.batchBytes = v;
    },
  },
  {
    path: 'file.flushIntervalMs',
    min: 1,
    max: 60_000,
    size: false,
    get: (c) => c.file.flushIntervalMs,
    set: (c, v) => {
      c.file.flushIntervalMs = v;
    },
  },
  {
    path: 'file.blockTimeoutMs',
    min: BLOCK_TIMEOUT_MIN_MS,
    max: BLOCK_TIMEOUT_MAX_MS,
    size: false,
    get: (c) => c.file.blockTimeoutMs,
    set: (c, v) => {
      c.file.blockTimeoutMs = v;
    },
  },
  {
    path: 'audit.blockTimeoutMs',
    min: BLOCK_TIMEOUT_MIN_MS,
    max: BLOCK_TIMEOUT_MAX_MS,
    size: false,
    get: (c) => c.audit.blockTimeoutMs,
    set: (c, v) => {
      c.audit.blockTimeoutMs = v;
    },
  },
  {
    path: 'limits.maxDepth',
    min: 1,
    max: 100,
    size: false,
    get: (c) => c.limits.maxDepth,
    set: (c, v) => {
      c.limits.maxDepth = v;
    },
  },
  {
    path: 'limits.maxStringLength',
    min: 64,
    max: 64 * MiB,
    size: false,
    get: (c) => c.limits.maxStringLength,
    set: (c, v) => {
      c.limits.maxStringLength = v;
    },
  },
  {
    path: 'limits.maxRecordBytes',
    min: KiB,
    max: 64 * MiB,
    size: true,
    get: (c) => c.limits.maxRecordBytes,
    set: (c, v) => {
      c.limits.maxRecordBytes = v;
    },
  },
];

/**
 * Sizes and intervals outside what works are brought into range rather than refused: a 10-byte
 * buffer becomes the smallest useful one, with a warning that says so.
 */
export function clampConfig(config: ActionlogConfig): string[] {
  const warnings: string[] = [];
  const perStream: Range[] = config.streams.map((_, i) => ({
    path: `streams[${i}].blockTimeoutMs`,
    min: BLOCK_TIMEOUT_MIN_MS,
    max: BLOCK_TIMEOUT_MAX_MS,
    size: false,
    get: (c) => c.streams[i].blockTimeoutMs,
    set: (c, v) => {
      c.streams[i].blockTimeoutMs = v;
    },
  }));
  for (const range of [...RANGES, ...perStream]) {
    const value = range.get(config);
    const bounded = Math.min(range.max, Math.max(range.min, value));
    if (bounded !== value) {
      range.set(config, bounded);
      const show = range.size ? formatSize : String;
      warnings.push(
        `${range.path}: ${show(value)} is ${value < range.min ? 'below the minimum' : 'above the maximum'} ` +
          `${show(value < range.min ? range.min : range.max)}; using ${show(bounded)}`,
      );
    }
  }
  if (config.file.batchBytes > config.file.maxBufferBytes / 2) {
    const bounded = Math.max(KiB, Math.floor(config.file.maxBufferBytes / 2));
    warnings.push(
      `file.batchBytes: ${formatSize(config.file.batchBytes)} is over half of file.maxBufferBytes; using ${formatSize(bounded)}`,
    );
    config.file.batchBytes = bounded;
  }
  return warnings;
}
