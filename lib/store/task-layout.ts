/**
 * The files a task's folder holds, by name: one list for the code that writes them, clears them for a restart, checks
 * them before a run and keeps outputs off them.
 */
export const taskFiles = {
  data: 'data.jsonl',
  sqlite: 'data.sqlite',
  state: 'dataloader_state.jsonl',
  results: 'task_results.jsonl',
  card: 'task_card.jsonl',
  logs: 'logs.jsonl',
  blocks: 'blocks',
  lock: '.rxdgt.lock',
  lockHolder: '.rxdgt.lock.json',
  /** The records a builder's postprocessors (run over all the records when the task ends) set aside, with why. */
  postprocessRejections: 'postprocess_rejections.jsonl',
} as const;

/** The SQLite ledger's companions: its write-ahead log and shared memory, and a rollback journal. */
export const sqliteCompanions = ['data.sqlite-wal', 'data.sqlite-shm', 'data.sqlite-journal'] as const;

/** Files of the ledger and the run's bookkeeping: no output may be written over one of them. */
export const bookkeepingFiles: ReadonlySet<string> = new Set([
  taskFiles.data,
  taskFiles.sqlite,
  ...sqliteCompanions,
  taskFiles.state,
  taskFiles.results,
  taskFiles.card,
  taskFiles.logs,
  taskFiles.lock,
  taskFiles.lockHolder,
  taskFiles.postprocessRejections,
]);

/** Outputs of a run, written again at its end: `final_data.<format>`, `formatted_data.<format>`, and their temporary files. */
export const outputFile = /^(?:final|formatted)_data\.(?:jsonl|parquet|csv|sqlite)(?:\.\d+(?:\.\d+|\.copy)\.tmp)?$/;

/** What DGT's postprocessing epochs leave; a restart removes them too. */
export const postprocessingFile = /^postproc_data_\d+\.jsonl$/;
