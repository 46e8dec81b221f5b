/**
 * The prompts of `magpie_tag`, one per tagging task, in rxdgt's own words. Each asks for one JSON object with the
 * keys DGT's Magpie tagger reads (`input_quality`, `score`, `difficulty`, `primary_tag`, with `explanation`,
 * `intent`, `knowledge`, `other_tags`), on Magpie's scales.
 */
import { type Turn, isAssistant } from './magpie-conversation.ts';

/** The tagging tasks: DGT's names. */
export const magpieTasks = ['quality', 'sample_quality', 'difficulty', 'classification', 'conversation_quality'] as const;
export type MagpieTask = (typeof magpieTasks)[number];

/** Magpie's scales. */
export const qualityScale = ['very poor', 'poor', 'average', 'good', 'excellent'] as const;
export const difficultyScale = ['very easy', 'easy', 'medium', 'hard', 'very hard'] as const;
export const scoreScale = ['1', '2', '3', '4', '5'] as const;

/** Magpie's task categories, for `classification`. */
export const taskCategories = [
  ['Information seeking', 'the user wants facts or information on a topic'],
  ['Reasoning', 'the request needs logic, problem solving or careful thought'],
  ['Planning', 'the user wants a plan, schedule or strategy'],
  ['Editing', 'the user wants a text rewritten, corrected or rephrased'],
  ['Coding & Debugging', 'the request is about writing, reviewing or fixing code'],
  ['Math', 'the request is a calculation or a mathematical problem'],
  ['Role playing', 'the assistant is asked to act as a character or persona'],
  ['Data analysis', 'the user wants data, statistics or results interpreted'],
  ['Creative writing', 'the user wants a story, poem or other creative text'],
  ['Advice seeking', 'the user wants recommendations or guidance'],
  ['Brainstorming', 'the user wants ideas or possibilities explored'],
  ['Others', 'none of the above fits'],
] as const;

const block = (label: string, text: string): string => `${label}:\n<<<\n${text}\n>>>`;
const reply = (keys: string): string => `Reply with one JSON object and nothing else, shaped like this:\n${keys}`;

const qualityGuide = [
  '- very poor: unclear or incoherent; essential information or context is missing.',
  '- poor: hard to follow or missing important details; it needs a lot of clarification.',
  '- average: fairly clear, though some information would have to be asked for.',
  '- good: clear and specific, with enough context to see what the user wants.',
  '- excellent: clear, specific and complete; everything a full answer needs is there.',
].join('\n');

/** A conversation as numbered turns; utterances of other speakers, and turns without text, are left out. */
function transcript(turns: readonly Turn[]): string {
  let users = 0;
  let assistants = 0;
  const lines: string[] = [];
  for (const { role, text } of turns) {
    if (text === undefined) continue;
    if (role === 'user') lines.push(`[User, turn ${(users += 1)}]\n${text}`);
    else if (isAssistant(role)) lines.push(`[Assistant, turn ${(assistants += 1)}]\n${text}`);
  }
  return lines.join('\n\n');
}

/** The prompt of a task on one request and, for `sample_quality`, its answer. */
export function singleTurnPrompt(task: Exclude<MagpieTask, 'conversation_quality'>, request: string, answer: string | undefined): string {
  switch (task) {
    case 'quality':
      return [
        'Assess how well the following request to an AI assistant is written: its clarity, specificity and context, not its difficulty.',
        block('Request', request),
        `Choose one rating:\n${qualityGuide}`,
        reply('{"explanation": "<three to five sentences on the strengths and weaknesses of the request>", "input_quality": "<very poor|poor|average|good|excellent>"}'),
      ].join('\n\n');
    case 'sample_quality':
      return [
        "Grade an AI assistant's answer to a request.",
        block('Request', request),
        block('Answer', answer ?? ''),
        'Consider whether the answer does what was asked, whether it is correct, and whether it is clear and well organised. Score it from 1 (worst) to 5 (best).',
        reply('{"explanation": "<a short assessment of what was asked, correctness and clarity>", "score": "<1|2|3|4|5>"}'),
      ].join('\n\n');
    case 'difficulty':
      return [
        'Decide how hard the following request is for an AI assistant to answer well.',
        block('Request', request),
        'First say what the user is trying to achieve and what knowledge or skills a good answer takes; then rate the difficulty as very easy, easy, medium, hard or very hard.',
        reply('{"intent": "<what the user wants>", "knowledge": "<the knowledge and skills a good answer takes>", "difficulty": "<very easy|easy|medium|hard|very hard>"}'),
      ].join('\n\n');
    case 'classification':
      return [
        'Put the following request to an AI assistant in a task category.',
        block('Request', request),
        `Categories:\n${taskCategories.map(([category, meaning]) => `- "${category}": ${meaning}.`).join('\n')}`,
        'Give the one category that fits best as the primary tag, and any others that also apply as other tags.',
        reply('{"primary_tag": "<category>", "other_tags": ["<category>", "..."]}'),
      ].join('\n\n');
  }
}

/** The prompt of a task on a whole conversation (more than two messages). */
export function conversationPrompt(task: 'quality' | 'sample_quality' | 'conversation_quality', turns: readonly Turn[]): string {
  const conversation = block('Conversation', transcript(turns));
  switch (task) {
    case 'quality':
      return [
        "Assess how well the user's requests in the following conversation with an AI assistant are written: their clarity, specificity and context.",
        conversation,
        `Choose one rating for the user's requests taken together:\n${qualityGuide}`,
        reply('{"explanation": "<three to five sentences on the strengths and weaknesses of the requests>", "input_quality": "<very poor|poor|average|good|excellent>"}'),
      ].join('\n\n');
    case 'sample_quality':
      return [
        "Grade the AI assistant's answers in the following conversation.",
        conversation,
        'Consider whether each answer does what was asked, whether it is correct, and whether it is clear. Score the answers together from 1 (worst) to 5 (best).',
        reply('{"explanation": "<a short assessment of the answers>", "score": "<1|2|3|4|5>"}'),
      ].join('\n\n');
    case 'conversation_quality':
      return [
        'Grade the following conversation between a user and an AI assistant as a whole: does it stay coherent, does the assistant help the user reach their goal, and is it pleasant to read?',
        conversation,
        'Score it from 1 (worst) to 5 (best).',
        reply('{"explanation": "<a short assessment of the conversation>", "score": "<1|2|3|4|5>"}'),
      ].join('\n\n');
  }
}
