/**
 * A per-sink step between a finished line and the sink's buffer: how a chained sink adds the
 * `hash` field (DESIGN.md §2) without the logger knowing about chains.
 */
export interface LineTransform {
  /**
   * Called once per line that the sink will write, in write order, after any drop decision.
   * Gets the line (ending in `}\n`) and returns the line to write.
   */
  apply(line: string): string;
  /**
   * Called whenever the sink opens a segment (start-up, restart, midnight, size, reopen after
   * removal), before the first line goes to it: `path` is the new segment.
   */
  segmentOpened(path: string): void;
  /**
   * Called when the sink is done with a segment (midnight, size, removal, close) and on the
   * final flush at exit, after its lines were written: a chain records its checkpoint here.
   */
  segmentClosed?(path: string): void;
  /**
   * The line `apply` returned last was refused (`onWriteFailure: 'fail'`) and will never be
   * written: forget it, so the next line links to the one before it again.
   */
  revert(): void;
}
