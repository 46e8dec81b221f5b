import { z } from 'zod';
import { conversationTaskFields } from '../../lib/conversation/conversation-task-fields.ts';

/** DGT's task `tools:` block as a RAG task uses it: named search engines; `registry` and `enrichments` (tool catalogs for live retrieval) are accepted unused. */
const toolsSchema = z.strictObject({
  /** Engine name → engine config (`type: search/file`, ...), checked when the task's engines are built. */
  engines: z.record(z.string().min(1), z.looseObject({ type: z.string().min(1) })).default({}),
  registry: z.array(z.looseObject({ type: z.string().min(1) })).optional(),
  enrichments: z.array(z.looseObject({ type: z.string().min(1) })).optional(),
});

/**
 * The task fields of `public/rag/conversation` (DGT's `RAGConversationTask`): the conversation fields (`max_turns`,
 * `min_turns`, `initialization_stages`, `iteration_stages`, `max_concurrent_conversations`) and `tools`, whose
 * `engines` the RAG stages draw documents from.
 *
 * ## Example
 * ```yaml
 * tools:
 *   engines:
 *     file_retriever: { type: search/file, path: documents.jsonl, projection: { body: text, doc_id: id }, limit: 3 }
 * ```
 */
export const ragTaskFields = { ...conversationTaskFields, tools: toolsSchema.optional() };
