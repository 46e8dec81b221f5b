import type { DataPoint } from '../record.ts';

/** What a generation input gives its pipeline's blocks besides the record: the batch's examples and the input's seed. */
export interface InputContext {
  readonly examples: readonly DataPoint[];
  readonly seed: number;
}

/**
 * Where a generation pipeline keeps an input's context on its record: a symbol key, so it never reaches a file
 * (JSON skips symbol keys) and survives the copies blocks make (`{ ...record }` keeps it).
 */
const contextKey: unique symbol = Symbol('rxdgt.inputContext');

/** A record that carries its input's context. */
export function withInputContext(record: DataPoint, context: InputContext): DataPoint {
  return { ...record, [contextKey]: context } as DataPoint;
}

/** The input context a record carries, if any. */
export function inputContextOf(record: DataPoint): InputContext | undefined {
  return (record as { [contextKey]?: InputContext })[contextKey];
}

/** The record without its input context, as it is written out. */
export function withoutInputContext(record: DataPoint): DataPoint {
  if (!(contextKey in record)) return record;
  const { [contextKey]: _context, ...rest } = record as DataPoint & { [contextKey]?: InputContext };
  return rest as DataPoint;
}
