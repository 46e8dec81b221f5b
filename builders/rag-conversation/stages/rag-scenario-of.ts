import type { Step } from '../../../lib/conversation/conversation.ts';

/** A document as a `rag/scenario` step holds it: `id`, `text`, and whatever else the sampler kept. */
export type StepDocument = Readonly<Record<string, unknown>>;

/** The last scenario step of `roles`: its text and its documents (a list of objects; anything else is none). */
export interface RagScenario {
  readonly scenario: string | null;
  readonly documents: readonly StepDocument[];
}

const isObject = (value: unknown): value is StepDocument => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The scenario and documents of a conversation: its last step whose role is one of `roles` (DGT's user and
 * assistant stages read the last `rag/scenario` step; its flow controller the last scenario step of either kind).
 *
 * ## Example
 * ```ts
 * ragScenarioOf([makeStep('rag/scenario', { content: 'A renter asks about deposits.', documents: [{ id: 'd1', text: '...' }] })]);
 * // { scenario: 'A renter asks about deposits.', documents: [{ id: 'd1', text: '...' }] }
 * ```
 */
export function ragScenarioOf(steps: readonly Step[], roles: readonly string[] = ['rag/scenario']): RagScenario {
  const step = steps.findLast((candidate) => roles.includes(candidate.role));
  if (!step) return { scenario: null, documents: [] };
  const documents = (step as Readonly<Record<string, unknown>>)['documents'];
  return { scenario: typeof step.content === 'string' && step.content ? step.content : null, documents: Array.isArray(documents) ? documents.filter(isObject) : [] };
}
