import { z } from 'zod';

/** One stage entry of a task: its registered `name`, then the stage's own fields (checked by the stage's schema). */
const stageEntry = z.looseObject({ name: z.string().min(1) });

/**
 * The task fields of a conversation builder (DGT's `ConversationTask`), for a `BuilderDefinition`'s `taskFields`:
 * `max_turns` (default 10), `min_turns` (default 1, at most `max_turns`), `initialization_stages` and
 * `iteration_stages` (lists of `{ name, ...stage fields }`), and `max_concurrent_conversations` (conversations of
 * the task run at once; DGT's builder setting, default 8).
 *
 * ## Example
 * ```ts
 * { name: 'public/rag/conversation', kind: 'generation', yamlPath, taskFields: { ...conversationTaskFields, retriever_k: z.int().optional() },
 *   create: (blocks, task) => conversationBuilder({ registry, blocks, task }) }
 * ```
 */
export const conversationTaskFields = {
  max_turns: z.int().min(1).default(10),
  min_turns: z.int().min(1).default(1),
  initialization_stages: z.array(stageEntry).default([]),
  iteration_stages: z.array(stageEntry).default([]),
  max_concurrent_conversations: z.int().min(1).optional(),
};
