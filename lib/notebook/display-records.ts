import { type Observable, isObservable } from 'rxjs';
import type { Fields } from '../record.ts';
import { type NotebookDisplays, notebookDisplays } from './notebook-display.ts';
import { type RecordsTableOptions, recordsTable } from './records-table.ts';

/** Options of {@link displayRecords}: the table's, and where to draw it. */
export interface DisplayRecordsOptions extends RecordsTableOptions {
  /** For an Observable: least time between two redraws of the table, ms (the end is always drawn). @default 250 */
  readonly intervalMs?: number | undefined;
  /** tslab's API (`import * as tslab from 'tslab'`). @default the running tslab kernel's */
  readonly tslab?: NotebookDisplays | undefined;
  /** The clock, ms. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/**
 * Shows records as a table in the notebook cell's output (see `recordsTable`). Records in a list are drawn once. An
 * Observable's are drawn as they come, the table updated in place, and the Promise resolves with them all once it
 * completes (it rejects with the stream's error, the table keeping what came before).
 *
 * ## Example
 * ```ts
 * import { displayRecords } from 'rxdgt/notebook';
 * displayRecords([{ question: 'Which river flows through Budapest?', answer: 'The Danube.' }]);
 * const records = await displayRecords(task.run(), { columns: ['question', 'answer'] });
 * // a table of 20 records, filled in as the task made them
 * ```
 * @see recordsTable @see progressView
 * @throws {RxdgtError} Outside a tslab kernel without `tslab`.
 * @throws {ConfigError} When an option is invalid.
 */
export function displayRecords(records: Iterable<Fields>, options?: DisplayRecordsOptions): void;
export function displayRecords<T extends Fields>(records: Observable<T>, options?: DisplayRecordsOptions): Promise<T[]>;
export function displayRecords<T extends Fields>(records: Iterable<T> | Observable<T>, options: DisplayRecordsOptions = {}): Promise<T[]> | void {
  const { intervalMs = 250, tslab, now = Date.now, ...table } = options;
  // Checked now, so a bad option throws here and not at the first record.
  recordsTable([], table);
  const displays = notebookDisplays('displayRecords', tslab);
  if (!isObservable(records)) {
    displays.display.html(recordsTable(records, table));
    return;
  }
  const surface = displays.newDisplay();
  const seen: T[] = [];
  let lastDraw: number | undefined;
  const draw = (force: boolean): void => {
    const at = now();
    if (!force && lastDraw !== undefined && at - lastDraw < intervalMs) return;
    lastDraw = at;
    surface.html(recordsTable(seen, table));
  };
  draw(true);
  return new Promise<T[]>((resolve, reject) => {
    records.subscribe({
      next: (record) => (seen.push(record), draw(false)),
      error: (error: unknown) => (draw(true), reject(error)),
      complete: () => (draw(true), resolve(seen)),
    });
  });
}
