import { readdirSync } from 'node:fs';

/** `2026-11-23.jsonl`, `2026-11-23.1.jsonl`, … and their gzipped forms. */
const SEGMENT_NAME = /^(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl(\.gz)?$/;

export interface SegmentInfo {
  /** File name within its stream directory. */
  name: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** Size segment within the day: 0 for `{day}.jsonl`, N for `{day}.N.jsonl`. */
  index: number;
  compressed: boolean;
}

export function segmentFileName(day: string, index: number): string {
  return index === 0 ? `${day}.jsonl` : `${day}.${index}.jsonl`;
}

export function parseSegmentName(name: string): SegmentInfo | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (!match) return undefined;
  return { name, day: match[1], index: match[2] ? Number(match[2]) : 0, compressed: match[3] !== undefined };
}

/** Segments of a stream directory in write order (day, then index); empty when the directory is missing. */
export function listSegments(dir: string): SegmentInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const segments: SegmentInfo[] = [];
  for (const name of names) {
    const info = parseSegmentName(name);
    if (info) segments.push(info);
  }
  return segments.sort(compareSegments);
}

export function compareSegments(a: SegmentInfo, b: SegmentInfo): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  if (a.index !== b.index) return a.index - b.index;
  return Number(a.compressed) - Number(b.compressed);
}

/** The newest segment of `day` in `dir`, read fresh from the directory so restarts continue where they were. */
export function newestSegmentOfDay(dir: string, day: string): SegmentInfo | undefined {
  let newest: SegmentInfo | undefined;
  for (const segment of listSegments(dir)) {
    if (segment.day === day && (!newest || segment.index >= newest.index)) newest = segment;
  }
  return newest;
}
