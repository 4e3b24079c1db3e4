import { type Masker, maskLine } from 'actionlog';
import type { FileOffset, Store, StoredRecord } from '../store/store.js';
import type { Rejection } from './decode-body.js';
import { validateRecord } from './validate-record.js';

/** Where records came from, and what to save with them. */
export interface IngestSource {
  /** `http`, `otlp`, `file`: for messages and, later, per-source counters. */
  name: string;
  /**
   * Saved in the same transaction as the records (see Store.append): a source that resumes from
   * a position (a file follower's offset) reads it back with Store.checkpoint.
   */
  checkpoint?: { key: string; value: string };
  /** The file follower's position after these records, saved with them (Store.appendFromFile). */
  fileOffset?: FileOffset;
}

export interface IngestResult {
  accepted: number;
  /** Indexes are positions in the `values` given to ingest. */
  rejected: Rejection[];
}

/**
 * The one way records enter the store, whatever carried them (HTTP JSON/NDJSON today; the file
 * follower and OTLP later): each value is validated (validateRecord), masked with the library's
 * rules, and appended; resolves once the good ones are committed. Bad values are reported, never
 * thrown; a store failure rejects.
 */
export type Ingest = (values: readonly unknown[], source: IngestSource) => Promise<IngestResult>;

export interface IngestOptions {
  store: Store;
  masker: Masker;
  /** The clock for records that carry no timestamp. */
  now?: () => number;
}

export function createIngest({ store, masker, now = Date.now }: IngestOptions): Ingest {
  return async (values, source) => {
    const time = now();
    const records: StoredRecord[] = [];
    const rejected: Rejection[] = [];
    values.forEach((value, index) => {
      const checked = validateRecord(value, time);
      if ('detail' in checked) {
        rejected.push({ index, detail: checked.detail });
        return;
      }
      records.push(masked(checked.record, masker));
    });
    if (source.fileOffset) await store.appendFromFile(records, source.fileOffset);
    else await store.append(records, source.checkpoint ? { checkpoint: source.checkpoint } : {});
    return { accepted: records.length, rejected };
  };
}

/**
 * The record as stored: masked as its JSON line, the way the library masks what it writes.
 * Timestamp and level stay as validated (the store orders and filters by them, and neither can
 * hold a secret once normalized).
 */
function masked(record: Record<string, unknown>, masker: Masker): StoredRecord {
  const line = JSON.stringify(record);
  const maskedLine = maskLine(line, masker);
  if (maskedLine === line) return { record, line };
  const result = JSON.parse(maskedLine) as Record<string, unknown>;
  if (result.timestamp === record.timestamp && result.level === record.level)
    return { record: result, line: maskedLine };
  const fixed = Object.fromEntries(
    Object.keys(record)
      .filter((key) => key === 'timestamp' || key === 'level' || Object.hasOwn(result, key))
      .map((key) => [key, key === 'timestamp' || key === 'level' ? record[key] : result[key]]),
  );
  return { record: fixed, line: JSON.stringify(fixed) };
}
