/**
 * Serialized lines waiting to be written, oldest first. Sizes are counted in UTF-16 code units
 * of the JSON text (equal to bytes for ASCII, which log lines mostly are) so that the hot path
 * never has to measure UTF-8.
 */
export class LineBuffer {
  private lines: string[] = [];
  private head = 0;
  /** Total length of the lines held. */
  size = 0;

  get records(): number {
    return this.lines.length - this.head;
  }

  push(line: string): void {
    this.lines.push(line);
    this.size += line.length;
  }

  /** Puts lines back at the front (a batch whose write failed). */
  unshift(lines: string[]): void {
    if (lines.length === 0) return;
    this.lines = lines.concat(this.lines.slice(this.head));
    this.head = 0;
    for (const line of lines) this.size += line.length;
  }

  /** Removes and returns every line held. */
  takeAll(): string[] {
    const taken = this.head === 0 ? this.lines : this.lines.slice(this.head);
    this.lines = [];
    this.head = 0;
    this.size = 0;
    return taken;
  }

  /** Removes and returns the oldest lines until at most `keep` code units remain. */
  takeOldestBeyond(keep: number): string[] {
    const taken: string[] = [];
    while (this.size > keep && this.head < this.lines.length) {
      const line = this.lines[this.head++];
      this.size -= line.length;
      taken.push(line);
    }
    if (this.head === this.lines.length) {
      this.lines = [];
      this.head = 0;
    }
    return taken;
  }
}
