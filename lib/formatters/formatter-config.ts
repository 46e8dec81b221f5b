import { z } from 'zod';

/** A `format` of `formatters/native` or `formatters/template`: one string, or a mapping of output fields to strings. */
const formatSchema = z.union([z.string(), z.record(z.string(), z.string())]);

/** A formatter that takes no setting but its `type`. */
const bare = <Type extends string>(type: Type) => z.strictObject({ type: z.literal(type) });

/** DGT's formatter names, as a task's `formatter.type` gives them. */
export const formatterTypes = [
  'formatters/native',
  'formatters/template',
  'formatters/conversation/messages',
  'formatters/conversation/rag/static',
  'formatters/safety/refusal',
  'tool_calling/formatters/multi_turn',
  'tool_calling/formatters/single_turn',
] as const;

/**
 * A task's `formatter`: which of DGT's formatters turns each final record into its `formatted_data` line, and its
 * settings. `formatters/native` and `formatters/template` take a `format` (a string, the formatted record then being
 * `{ text }`, or a mapping of output fields to strings); the others take nothing else. An unknown `type` names the
 * known ones.
 */
export const formatterConfigSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('formatters/native'), format: formatSchema }),
    z.strictObject({ type: z.literal('formatters/template'), format: formatSchema }),
    bare('formatters/conversation/messages'),
    bare('formatters/conversation/rag/static'),
    bare('formatters/safety/refusal'),
    bare('tool_calling/formatters/multi_turn'),
    bare('tool_calling/formatters/single_turn'),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? `unknown formatter \`${String((issue.input as { type?: unknown } | undefined)?.type)}\` (known: ${formatterTypes.join(', ')})` : undefined,
  },
);

/** A task's `formatter` after parsing. */
export type FormatterConfig = z.output<typeof formatterConfigSchema>;
