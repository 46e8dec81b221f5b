// rxdgt/notebook: display helpers for Jupyter notebooks running the tslab kernel. Importing it never needs tslab;
// the functions that draw say so when there is none.
export { recordsTable, type RecordsTableOptions } from './records-table.ts';
export { displayRecords, type DisplayRecordsOptions } from './display-records.ts';
export { progressView, type ProgressView, type ProgressViewOptions } from './progress-view.ts';
export { tapProgress, type TapProgressConfig } from './tap-progress.ts';
export { progressHtml, type ProgressState } from './progress-html.ts';
export { escapeHtml } from './escape-html.ts';
export { inNotebook, type DisplaySurface, type NotebookDisplays } from './notebook-display.ts';
