import stableStringify from 'fast-json-stable-stringify';
import { ConfigError } from '../errors/config-error.ts';
import { errorMessage } from '../error-message.ts';
import type { Fields } from '../record.ts';
import { SequenceTable } from '../sequence-table.ts';
import { settledBelowOf } from '../store/ledger.ts';
import type { RecordSource, SourcePosition, SourceRow } from '../store/sources/record-source.ts';
import type { Ledger } from '../store/task-ledger.ts';
import type { InputPlan, PlannedInput } from './input-plan.ts';
import { asSeed } from './task-inputs.ts';
import type { ParsedTaskOptions } from './task-options.ts';

interface ReadRow {
  readonly sequence: number;
  readonly record: Fields;
  readonly position: SourcePosition;
}

/** A list of records as a source. */
export function listSource(records: readonly Fields[]): RecordSource {
  return {
    files: [],
    async *rows(start = 0) {
      for (let row = start; row < records.length; row += 1) yield { record: records[row]!, position: { iter_index: 0, row_index: row } };
    },
  };
}

/**
 * A transformation's inputs: one pass over the data rows, streamed from their source, starting at the first row an
 * earlier run did not settle and skipping the later ones it did, so each row is transformed once over any number of
 * resumes. Rows are read ahead a little (twice the concurrency), never the whole input; the positions kept are those
 * of the rows in flight.
 */
export class TransformationInputs implements InputPlan {
  private readonly buffer: ReadRow[] = [];
  /**
   * Positions of the rows issued and not yet settled, for the dataloader state saved with a commit, by sequence. A
   * `SequenceTable`, not a `Map`: an entry in and out per row (see the README's Architecture section).
   */
  private readonly positions = new SequenceTable<SourcePosition>();
  private readonly source: RecordSource;
  private readonly capacity: number;
  private done = false;
  private closed = false;
  private failure: unknown;
  private space: (() => void) | undefined;
  /** Where the next row to read is. */
  private nextPosition: SourcePosition = { iter_index: 0, row_index: 0 };

  constructor(
    private readonly options: Extract<ParsedTaskOptions, { kind: 'transformation' }>,
    private readonly ledger: Ledger,
    private readonly remap: ((record: Fields) => Fields) | undefined,
    private readonly wake: () => void,
  ) {
    this.source = Array.isArray(options.data) ? listSource(options.data) : (options.data as RecordSource);
    this.capacity = 2 * options.concurrency;
    void this.read().catch((error: unknown) => {
      this.failure = error;
      this.wake();
    });
  }

  next(): PlannedInput | 'wait' | undefined {
    const row = this.buffer.shift();
    if (row === undefined) {
      if (this.failure !== undefined) throw this.failure;
      return this.done ? undefined : 'wait';
    }
    this.space?.();
    this.positions.set(row.sequence, row.position);
    const record = row.record;
    return { sequence: row.sequence, key: stableStringify(record), make: () => asSeed(this.options.name, record) };
  }

  settled(sequence: number): void {
    this.positions.delete(sequence);
  }

  positionOf(sequence: number): SourcePosition {
    return this.positions.get(sequence) ?? this.buffer[0]?.position ?? this.nextPosition;
  }

  close(): void {
    this.closed = true;
    this.space?.();
  }

  private async read(): Promise<void> {
    let sequence = settledBelowOf(this.ledger.summary);
    for await (const row of this.source.rows(sequence)) {
      if (this.closed) return;
      this.nextPosition = { iter_index: row.position.iter_index, row_index: row.position.row_index + 1 };
      if (!this.ledger.isSettled(sequence)) this.buffer.push({ sequence, record: this.mapped(row), position: row.position });
      sequence += 1;
      this.wake();
      while (this.buffer.length >= this.capacity && !this.closed) await new Promise<void>((resolve) => (this.space = resolve));
    }
    this.done = true;
    this.wake();
  }

  /** The row as the builder gets it, after the dataloader's `fields`; a field it lacks is bad input naming the row. */
  private mapped(row: SourceRow): Fields {
    if (!this.remap) return row.record;
    try {
      return this.remap(row.record);
    } catch (error) {
      throw new ConfigError(`row ${row.position.row_index + 1}: ${errorMessage(error)}`, { file: this.source.fileAt?.(row.position), field: 'dataloader.fields', cause: error });
    }
  }
}
