import { z } from 'zod';

/**
 * The builder-level fields of a conversation builder (DGT's `ConversationDataBuilder` kwargs), for a
 * `BuilderDefinition`'s `builderFields`: `max_concurrent_conversations`, the conversations run at once (default 8),
 * set in the builder YAML or a joint config's `databuilders.<name>`. A task's own `max_concurrent_conversations` wins.
 *
 * ## Example
 * ```yaml
 * databuilders:
 *   core/conversation:
 *     max_concurrent_conversations: 4
 * ```
 */
export const conversationBuilderFields = {
  max_concurrent_conversations: z.int().min(1).optional(),
};
