/** One record of a task: a plain JSON-like object (keys may differ from record to record). */
export type OutputRecord = Readonly<Record<string, unknown>>;

/**
 * The records to write, as a function: each call starts a fresh pass over the same records, so a writer that needs
 * the columns before the rows (CSV, Parquet, SQLite) reads them twice instead of holding them in memory.
 */
export type RecordStream = () => AsyncIterable<OutputRecord>;
