import { conversationMessages } from './conversation-messages.ts';
import { conversationRagStatic } from './conversation-rag-static.ts';
import type { FormatterConfig } from './formatter-config.ts';
import type { RecordFormatter } from './formatter-internals.ts';
import { nativeFormatter } from './native.ts';
import { safetyRefusal } from './safety-refusal.ts';
import { templateFormatter } from './template.ts';
import { toolCallingMultiTurn } from './tool-calling-multi-turn.ts';
import { toolCallingSingleTurn } from './tool-calling-single-turn.ts';

export type { FormatterConfig } from './formatter-config.ts';
export type { RecordFormatter } from './formatter-internals.ts';

/** Makes the formatter of one `type` from its config. */
type FormatterFactories = { readonly [Type in FormatterConfig['type']]: (config: Extract<FormatterConfig, { type: Type }>) => RecordFormatter };

/** DGT's formatter names, each with what makes its formatter. Every name `formatterConfigSchema` accepts is here. */
export const formatterRegistry: FormatterFactories = {
  'formatters/native': ({ format }) => nativeFormatter(format),
  'formatters/template': ({ format }) => templateFormatter(format),
  'formatters/conversation/messages': () => conversationMessages,
  'formatters/conversation/rag/static': () => conversationRagStatic,
  'formatters/safety/refusal': () => safetyRefusal,
  'tool_calling/formatters/multi_turn': () => toolCallingMultiTurn,
  'tool_calling/formatters/single_turn': () => toolCallingSingleTurn,
};

/**
 * The formatter a task's `formatter` names: a function from a final record to its `formatted_data` line. A record
 * the formatter cannot format (a field it needs is missing) makes it throw a `ConfigError` naming the formatter, the
 * field and the record's `rxdgt_id`.
 *
 * ## Example
 * ```ts
 * const format = createFormatter({ type: 'formatters/safety/refusal' });
 * format({ task_name: 't', is_seed: false, instruction: 'Hack my bank.', response: 'I can’t help with that.' });
 * // { instruction: 'Hack my bank.', response: 'I can’t help with that.', metadata: {} }
 * ```
 */
export function createFormatter(config: FormatterConfig): RecordFormatter {
  const create = formatterRegistry[config.type] as (config: FormatterConfig) => RecordFormatter;
  return create(config);
}
