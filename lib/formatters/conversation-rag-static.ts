import type { Fields } from '../record.ts';
import { type RecordFormatter, get, recordProblem, requireField, stepsOf, userRoles } from './formatter-internals.ts';

const name = 'formatters/conversation/rag/static';

/**
 * DGT's `formatters/conversation/rag/static`: a RAG conversation whose documents were fixed when it began (DGT's
 * "pattern 1") as `{ conversation_id, messages, documents }`. `messages` keeps the user (`user`, `tc/user`) and
 * `assistant` steps as `{ role, content }`, in order; every other step (tool calls too) is left out. `documents` is
 * the `documents` list of the last `rag/scenario` step, as it is; `[]` without one.
 *
 * ## Example
 * ```ts
 * conversationRagStatic({ task_name: 't', is_seed: false, conversation_id: 'c1', steps: [
 *   { role: 'rag/scenario', content: 'Hotels', documents: [{ id: 'd1', text: 'Check-in is at 3 pm.' }] },
 *   { role: 'user', content: 'When is check-in?' },
 *   { role: 'assistant', content: 'At 3 pm.' },
 * ] });
 * // { conversation_id: 'c1',
 * //   messages: [{ role: 'user', content: 'When is check-in?' }, { role: 'assistant', content: 'At 3 pm.' }],
 * //   documents: [{ id: 'd1', text: 'Check-in is at 3 pm.' }] }
 * ```
 *
 * @throws {ConfigError} naming the formatter, the field and the record's `rxdgt_id`, for a record without
 *   `conversation_id` or `steps`, or whose last `rag/scenario` step has `documents` that are not a list
 */
export const conversationRagStatic: RecordFormatter = (record) => {
  const conversationId = requireField(name, record, 'conversation_id');
  const steps = stepsOf(name, record);
  const scenario = steps.findLast(({ step }) => step['role'] === 'rag/scenario');
  const documents = scenario === undefined ? [] : get(scenario.step, 'documents', []);
  if (!Array.isArray(documents)) throw recordProblem(name, record, `has a field \`steps.${scenario!.index}.documents\` that is not a list`);
  const messages = steps.flatMap(({ step }): Fields[] => {
    if (userRoles.has(step['role'])) return [{ role: 'user', content: get(step, 'content') }];
    if (step['role'] === 'assistant') return [{ role: 'assistant', content: get(step, 'content') }];
    return [];
  });
  return { conversation_id: conversationId, messages, documents };
};
