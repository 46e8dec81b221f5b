import { ConfigError } from '../errors/config-error.ts';
import { hash32, seededRandom } from '../random.ts';
import type { DataPoint, Fields } from '../record.ts';
import { idField } from '../store/ledger.ts';

/** Turns one final record into the one `formatted_data` holds. */
export type RecordFormatter = (record: DataPoint) => Fields;

/** A JSON object: not null, not an array. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** A conversation step (DGT's `Step.to_dict()`), with its place in `steps` for errors. */
export interface IndexedStep {
  readonly step: JsonObject;
  readonly index: number;
}

/** Step roles DGT reads as a user turn: `user`, and the tool-calling builder's `tc/user` (a kind of user step). */
export const userRoles: ReadonlySet<unknown> = new Set(['user', 'tc/user']);

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python's `dict.get`: the value when the key is there (even `null`), else `fallback`. */
export function get(object: JsonObject, key: string, fallback: unknown = null): unknown {
  return Object.hasOwn(object, key) ? object[key] : fallback;
}

/** The error of a record a formatter cannot format: names the formatter, the record's `rxdgt_id` and the problem. */
export function recordProblem(formatter: string, record: DataPoint, problem: string): ConfigError {
  const id = record[idField];
  const which = typeof id === 'string' ? `record \`${id}\`` : `a record without \`${idField}\``;
  return new ConfigError(`formatter \`${formatter}\`: ${which} ${problem}`, { field: 'formatter' });
}

/** The value of a top-level field. @throws {ConfigError} when the record has no such field */
export function requireField(formatter: string, record: DataPoint, field: string): unknown {
  if (record[field] === undefined) throw recordProblem(formatter, record, `has no field \`${field}\``);
  return record[field];
}

/** The record's `steps`, each an object. @throws {ConfigError} when `steps` is missing, not a list, or holds a non-object */
export function stepsOf(formatter: string, record: DataPoint): IndexedStep[] {
  const steps = requireField(formatter, record, 'steps');
  if (!Array.isArray(steps)) throw recordProblem(formatter, record, 'has a field `steps` that is not a list');
  return steps.map((step: unknown, index) => {
    if (!isObject(step)) throw recordProblem(formatter, record, `has a field \`steps.${index}\` that is not an object`);
    return { step, index };
  });
}

/** A step's `content`, which must be an object (a tool call, a tool result). @throws {ConfigError} otherwise */
export function contentObject(formatter: string, record: DataPoint, { step, index }: IndexedStep): JsonObject {
  const content = step['content'];
  if (!isObject(content)) throw recordProblem(formatter, record, `has a field \`steps.${index}.content\` that is not an object`);
  return content;
}

/**
 * The items in an order drawn from the record's identity (`rxdgt_id`, else `conversation_id`): DGT shuffles a
 * conversation's tools against position bias; here a rerun gives the same order.
 */
export function shuffled<T>(items: readonly T[], record: DataPoint): T[] {
  const random = seededRandom(hash32('formatter-tools', String(record[idField] ?? record['conversation_id'] ?? '')));
  const order = [...items];
  for (let last = order.length - 1; last > 0; last -= 1) {
    const other = Math.floor(random() * (last + 1));
    [order[last], order[other]] = [order[other]!, order[last]!];
  }
  return order;
}
