let last = 0;

/** The next per-process record sequence number; shared by all loggers so `seq` orders a process's records. */
export function nextSeq(): number {
  return ++last;
}
