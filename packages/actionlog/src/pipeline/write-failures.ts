/** After this many consecutive failed writes a sink reports itself unhealthy. */
export const UNHEALTHY_AFTER = 5;
const ALERT_INTERVAL_MS = 60_000;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 10_000;

export interface RecoverySummary {
  failedAttempts: number;
  failedForMs: number;
  lastError: string;
}

/** The failure state of one sink: counts, backoff, and the once-a-minute stderr alert. */
export class WriteFailures {
  consecutive = 0;
  total = 0;
  lastError: string | null = null;
  private firstFailureAt = 0;
  private lastAlertAt = Number.NEGATIVE_INFINITY;

  get failing(): boolean {
    return this.consecutive > 0;
  }

  get healthy(): boolean {
    return this.consecutive < UNHEALTHY_AFTER;
  }

  /** Counts a failure; returns the delay before the next attempt and whether to alert now. */
  record(error: unknown, now: number): { retryInMs: number; alert: boolean } {
    if (this.consecutive === 0) this.firstFailureAt = now;
    this.consecutive++;
    this.total++;
    this.lastError = describeError(error);
    const alert = now - this.lastAlertAt >= ALERT_INTERVAL_MS;
    if (alert) this.lastAlertAt = now;
    const retryInMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(this.consecutive - 1, 20));
    return { retryInMs, alert };
  }

  /** Clears the failure state; returns what happened while failing, or null if nothing was failing. */
  recovered(now: number): RecoverySummary | null {
    if (this.consecutive === 0) return null;
    const summary = {
      failedAttempts: this.consecutive,
      failedForMs: now - this.firstFailureAt,
      lastError: this.lastError ?? 'unknown',
    };
    this.consecutive = 0;
    return summary;
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
