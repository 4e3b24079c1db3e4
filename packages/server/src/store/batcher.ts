export interface BatcherOptions<J> {
  /** Writes the jobs in one go (one transaction); a throw fails every job of the batch. */
  write(jobs: J[]): void | Promise<void>;
  /** How many records a job carries. */
  size(job: J): number;
  /** A batch goes out once it holds this many records… */
  maxRecords: number;
  /** …or this long after its first job arrived. */
  maxDelayMs: number;
}

interface Pending<J> {
  job: J;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Gathers the writes of many requests into few transactions: one transaction per few ms instead
 * of one per request is what lets SQLite take 100k+ records/s. Batches are written in arrival
 * order, one at a time; each caller's promise settles when its batch is written.
 */
export class Batcher<J> {
  private pending: Pending<J>[] = [];
  private pendingRecords = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The batch being written (async writers), so the next one waits for it. */
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: BatcherOptions<J>) {}

  add(job: J): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ job, resolve, reject });
      this.pendingRecords += this.options.size(job);
      if (this.pendingRecords >= this.options.maxRecords) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    });
  }

  /** Writes what is pending now; resolves when it (and any earlier batch) is written. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    this.pending = [];
    this.pendingRecords = 0;
    if (batch.length === 0) return this.writing;
    const write = async () => {
      try {
        await this.options.write(batch.map((p) => p.job));
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    };
    this.writing = this.writing.then(write);
    return this.writing;
  }

  /** Flushes, then refuses new jobs. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
