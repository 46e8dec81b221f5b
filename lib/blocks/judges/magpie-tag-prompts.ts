/**
 * The prompts of `magpie_tag`, one per tagging task, rendered from its templates (see `magpie-tag-templates.ts`):
 * each asks for one JSON object with the keys DGT's Magpie tagger reads (`input_quality`, `score`, `difficulty`,
 * `primary_tag`, with `explanation`, `intent`, `knowledge`, `other_tags`), on Magpie's scales.
 */
import { type Turn, isAssistant } from './magpie-conversation.ts';
import type { MagpieTemplate, MagpieTemplateName } from './magpie-tag-templates.ts';

/** The tagging tasks: DGT's names. */
export const magpieTasks = ['quality', 'sample_quality', 'difficulty', 'classification', 'conversation_quality'] as const;
export type MagpieTask = (typeof magpieTasks)[number];

/** Magpie's scales. */
export const qualityScale = ['very poor', 'poor', 'average', 'good', 'excellent'] as const;
export const difficultyScale = ['very easy', 'easy', 'medium', 'hard', 'very hard'] as const;
export const scoreScale = ['1', '2', '3', '4', '5'] as const;

type Templates = Readonly<Record<MagpieTemplateName, MagpieTemplate>>;

const singleTurnTemplates = {
  quality: 'input_quality_rating',
  sample_quality: 'sample_quality_rating',
  difficulty: 'input_difficulty_rating',
  classification: 'input_classification',
} as const satisfies Record<Exclude<MagpieTask, 'conversation_quality'>, MagpieTemplateName>;

const conversationTemplates = {
  quality: 'input_quality_rating_mt',
  sample_quality: 'sample_quality_rating_mt',
  conversation_quality: 'conversations_quality_rating_mt',
} as const satisfies Record<'quality' | 'sample_quality' | 'conversation_quality', MagpieTemplateName>;

/**
 * A conversation as DGT's `str_conversation` writes it: each user and assistant utterance as a numbered
 * `### User Question: <n>` or `### Assistant Response: <n>` heading over its text, each block set off by newlines;
 * other speakers, and utterances without text, are left out.
 */
export function conversationText(turns: readonly Turn[]): string {
  let users = 0;
  let assistants = 0;
  let text = '';
  for (const { role, text: said } of turns) {
    if (said === undefined) continue;
    if (role === 'user') text += `\n### User Question: ${(users += 1)}\n${said}\n`;
    else if (isAssistant(role)) text += `\n### Assistant Response: ${(assistants += 1)}\n${said}\n`;
  }
  return text;
}

/** The prompt of a task on one request and its answer (`None` without one, as DGT's Python renders it). */
export function singleTurnPrompt(templates: Templates, task: Exclude<MagpieTask, 'conversation_quality'>, request: string, answer: string | undefined): string {
  return templates[singleTurnTemplates[task]].render({ input: request, output: answer ?? 'None' });
}

/** The prompt of a task on a whole conversation (more than two messages). */
export function conversationPrompt(templates: Templates, task: 'quality' | 'sample_quality' | 'conversation_quality', turns: readonly Turn[]): string {
  return templates[conversationTemplates[task]].render({ str_conversation: conversationText(turns) });
}
