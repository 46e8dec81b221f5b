import type { Conversation } from '../../../lib/conversation/conversation.ts';
import { stepsToText } from '../../../lib/conversation/steps-to-text.ts';
import { flowControllerStage } from '../../conversation/stages/lm-flow-controller.ts';
import { ragScenarioOf } from './rag-scenario-of.ts';
import { renderDocuments } from './render-documents.ts';

/**
 * What the RAG flow controller shows of a conversation: `[Scenario]` and its text, `[Documents]` and the scenario's
 * documents (`[Document i | id=...]`), then the conversation so far, so patterns such as comparative or unanswerable
 * questions can be judged against what the documents hold.
 *
 * ## Example
 * ```ts
 * ragConversationSummary(conversation);
 * // '[Scenario]\nA new resident wants a library card.\n\n[Documents]\n[Document 1 | id=cards]\nCards are free...\nUser: ...'
 * ```
 */
export function ragConversationSummary(conversation: Conversation): string {
  const { scenario, documents } = ragScenarioOf(conversation.steps, ['rag/scenario', 'scenario']);
  const lines: string[] = [];
  if (scenario !== null) {
    lines.push(`[Scenario]\n${scenario}`);
    if (documents.length > 0) lines.push(`\n[Documents]\n${renderDocuments(documents, '')}`);
  }
  const history = stepsToText(conversation.steps);
  if (history) lines.push(history);
  return lines.join('\n');
}

/**
 * DGT's `lm/flow_controller/rag` (iteration): the core flow controller (`lm/flow_controller`: eligible patterns as
 * JSON `{ reasoning, eligible_patterns }`, one drawn by weight, a hint as JSON `{ hint }`, a `flow_controller` step)
 * shown the scenario's documents besides the scenario and the conversation. Same fields: `patterns`,
 * `termination_patterns`, `max_turns`, `generator`.
 *
 * ## Example
 * ```yaml
 * iteration_stages:
 *   - name: lm/flow_controller/rag
 *     generator: generator
 *     termination_patterns: [rag/termination]
 *     patterns:
 *       - { name: rag/factoid, description: The user asks a short factual question the documents answer. }
 *       - { name: rag/termination, description: The user's need is met; the user wraps up. }
 * ```
 */
export const lmFlowControllerRag = flowControllerStage({ name: 'lm/flow_controller/rag', summary: ragConversationSummary });
