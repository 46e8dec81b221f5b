/**
 * Reads one entry of a record source (the inline data, one data file, one dataset split): yields its records from
 * row `skip` on (0-based), then returns how many rows the entry holds, so a source can skip whole entries.
 */
export type EntryReader = (skip: number) => AsyncGenerator<Record<string, unknown>, number, undefined>;

/** One entry of a record source, which DGT's dataloader counts as one iterator (`iter_index`). */
export interface SourceEntry {
  /** Absolute path of the file (or dataset split folder); undefined for inline data. */
  readonly path: string | undefined;
  readonly read: EntryReader;
}
