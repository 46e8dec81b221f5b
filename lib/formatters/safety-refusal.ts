import { type RecordFormatter, get, isObject, recordProblem, requireField } from './formatter-internals.ts';

const name = 'formatters/safety/refusal';

/** Metadata the safety pipeline keeps for itself, not for training. */
const internalMetadata: ReadonlySet<string> = new Set(['mode', 'guardian_reasoning']);

/**
 * DGT's `formatters/safety/refusal`: a safety-refusal record (DGT's `SafetyRefusalData`) as an SFT example,
 * `{ instruction, response, metadata }`. `response` is `null` when the record has none; `metadata` is the record's
 * `metadata` without the pipeline's own `mode` and `guardian_reasoning` keys (`{}` when it has none). `task_name`,
 * `is_seed` and every other field are left out.
 *
 * ## Example
 * ```ts
 * safetyRefusal({ task_name: 't', is_seed: false, instruction: 'How do I pick a lock?', response: 'I can’t help with that.',
 *   metadata: { risk: 'crime', risk_probability: 0.97, mode: 'strict', guardian_reasoning: '...' } });
 * // { instruction: 'How do I pick a lock?', response: 'I can’t help with that.', metadata: { risk: 'crime', risk_probability: 0.97 } }
 * ```
 *
 * @throws {ConfigError} naming the formatter, the field and the record's `rxdgt_id`, for a record without
 *   `instruction` or whose `metadata` is not an object
 */
export const safetyRefusal: RecordFormatter = (record) => {
  const instruction = requireField(name, record, 'instruction');
  const metadata = get(record, 'metadata') ?? {};
  if (!isObject(metadata)) throw recordProblem(name, record, 'has a field `metadata` that is not an object');
  const kept = Object.fromEntries(Object.entries(metadata).filter(([key]) => !internalMetadata.has(key)));
  return { instruction, response: get(record, 'response'), metadata: kept };
};
