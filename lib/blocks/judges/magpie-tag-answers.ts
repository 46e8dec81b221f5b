/**
 * Reading `magpie_tag`'s answers the way DGT's tagger does: the first JSON object of the answer, the task's label
 * salvaged from the text when the JSON is broken or lacks it, the value brought onto the task's scale (a list gives
 * its first item, a number its digits, a sentence the scale word or score in it), and each tag stored as DGT stores
 * it, `[{ <model>: <value> }]`. An answer with no usable label is the task's error.
 */
import type { MagpieTask } from './magpie-tag-prompts.ts';
import { difficultyScale, qualityScale } from './magpie-tag-prompts.ts';

interface TaskShape {
  /** The key the answer's JSON holds the label under. */
  readonly label: string;
  /** The tag the label is stored as. */
  readonly tag: string;
  /** The tag the explanation is stored as, when the task has one. */
  readonly explanation?: string;
  /** Other keys of the answer stored under their own name. */
  readonly extra?: readonly string[];
  /** How the label is checked: a word of a scale, a 1–5 score, or any text. */
  readonly kind: 'scale' | 'score' | 'text';
  readonly scale?: readonly string[];
  /** DGT's prefix of the task's `<prefix>_err` and `<prefix>_raw` metadata. */
  readonly errorPrefix: string;
}

const shapes: Readonly<Record<MagpieTask, TaskShape>> = {
  quality: { label: 'input_quality', tag: 'input_quality', explanation: 'input_quality_explanation', kind: 'scale', scale: qualityScale, errorPrefix: 'quality' },
  sample_quality: { label: 'score', tag: 'judge_quality_score', explanation: 'judge_quality_explanation', kind: 'score', errorPrefix: 'sample_quality' },
  difficulty: { label: 'difficulty', tag: 'difficulty', extra: ['intent', 'knowledge'], kind: 'scale', scale: difficultyScale, errorPrefix: 'difficulty' },
  classification: { label: 'primary_tag', tag: 'task_category', kind: 'text', errorPrefix: 'classification' },
  conversation_quality: { label: 'score', tag: 'conversation_score', explanation: 'conversation_explanation', kind: 'score', errorPrefix: 'conv_quality' },
};

/** The prefix of a task's `_err` / `_raw` metadata keys (DGT's: `quality`, ..., `conv_quality`). */
export const errorPrefixOf = (task: MagpieTask): string => shapes[task].errorPrefix;

/** The task's tags set to null, as DGT leaves them when the task fails. */
export function nullTags(task: MagpieTask): Record<string, null> {
  const { tag, explanation, extra = [] } = shapes[task];
  return Object.fromEntries([...extra, tag, ...(explanation ? [explanation] : [])].map((key) => [key, null]));
}

/** The first balanced `{…}` of a text, braces inside JSON strings ignored; undefined when there is none. */
function firstObject(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start === -1) return undefined;
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth += 1;
    else if (char === '}' && (depth -= 1) === 0) return text.slice(start, index + 1);
  }
  return undefined;
}

/** The label written as `"label": "value"` (or, for a score, `"score": 4`) in text that is not valid JSON. */
function salvageLabel(text: string, shape: TaskShape): string | undefined {
  const label = shape.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = shape.kind === 'score' ? new RegExp(`"${label}"\\s*:\\s*\\[?\\s*"?(\\d+)`) : new RegExp(`"${label}"\\s*:\\s*"([^"]*)"`);
  return pattern.exec(text)?.[1];
}

/** A label brought onto the task's scale (a category is taken as it is); a value that does not fit stays as it is, as in DGT. */
function normalize(value: unknown, shape: TaskShape): unknown {
  if (shape.kind === 'text') return value;
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'number') return String(Math.trunc(first));
  if (typeof first !== 'string') return first;
  const text = first.trim();
  if (shape.kind === 'score') return /^\d+$/.test(text) ? text : (/\d+/.exec(text)?.[0] ?? text);
  const words = [...(shape.scale ?? [])].sort((left, right) => right.length - left.length);
  const lower = text.toLowerCase();
  if (words.includes(lower)) return lower;
  // The earliest scale word in the sentence; at one position the longer word wins ("very poor" over "poor").
  const found = words.map((word) => ({ word, at: lower.search(new RegExp(`\\b${word}\\b`)) })).filter(({ at }) => at !== -1);
  return found.sort((left, right) => left.at - right.at || right.word.length - left.word.length)[0]?.word ?? text;
}

/** Why a normalized label cannot be stored, or undefined when it can. */
function problemOf(value: unknown, shape: TaskShape): string | undefined {
  const fits = shape.kind === 'score' ? typeof value === 'string' && /^\d+$/.test(value) : typeof value === 'string';
  return fits ? undefined : `the \`${shape.label}\` in the answer is ${JSON.stringify(value) ?? 'nothing'}, not ${shape.kind === 'score' ? 'a score from 1 to 5' : 'text'}`;
}

/** One task's answer as tags (each `[{ <model>: <value> }]`), or the reason it holds no usable label. */
export function readTaskAnswer(task: MagpieTask, answer: string, model: string): { readonly tags: Record<string, unknown> } | { readonly error: string } {
  const shape = shapes[task];
  const candidate = firstObject(answer.trim());
  let parsed: Record<string, unknown> | undefined;
  try {
    const json: unknown = candidate === undefined ? undefined : JSON.parse(candidate);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) parsed = json as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  const label = parsed?.[shape.label] ?? salvageLabel(candidate ?? answer, shape);
  if (label === undefined || label === null) return { error: `the answer gives no \`${shape.label}\` for the ${task} task` };
  const value = normalize(label, shape);
  const problem = problemOf(value, shape);
  if (problem !== undefined) return { error: problem };
  const byModel = (tagValue: unknown) => [{ [model]: tagValue }];
  const tags: Record<string, unknown> = { [shape.tag]: byModel(value) };
  // As in DGT, a broken answer whose label was salvaged keeps the whole answer as its explanation.
  const explanation = parsed ? parsed['explanation'] : answer.trim();
  if (shape.explanation !== undefined && explanation !== undefined) tags[shape.explanation] = byModel(explanation);
  for (const key of shape.extra ?? []) if (parsed?.[key] !== undefined) tags[key] = byModel(parsed[key]);
  return { tags };
}
