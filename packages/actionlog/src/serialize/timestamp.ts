/**
 * ISO 8601 UTC timestamps with milliseconds. A busy logger writes many records in the same
 * millisecond and many more in the same second, so both are cached: the common case is a
 * number comparison.
 */
export class TimestampFormatter {
  private lastMs = Number.NaN;
  private lastIso = '';
  private secondStart = Number.NaN;
  private secondPrefix = '';

  format(ms: number): string {
    if (ms === this.lastMs) return this.lastIso;
    const millis = ms - this.secondStart;
    if (millis >= 0 && millis < 1000) {
      this.lastIso = this.secondPrefix + (millis < 10 ? '00' : millis < 100 ? '0' : '') + millis + 'Z';
    } else {
      const iso = new Date(ms).toISOString();
      if (iso.length !== 24) return iso; // years beyond 9999 or before 0: no caching
      this.secondStart = ms - (((ms % 1000) + 1000) % 1000);
      this.secondPrefix = iso.slice(0, 20);
      this.lastIso = iso;
    }
    this.lastMs = ms;
    return this.lastIso;
  }
}

/** `YYYY-MM-DD` of the UTC day containing `ms`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start of the UTC day after the one containing `ms`. */
export function nextUtcMidnight(ms: number): number {
  const day = 86_400_000;
  return Math.floor(ms / day) * day + day;
}
