/** One pair the generator wrote. */
export interface QuestionAnswer {
  readonly question: string;
  readonly answer: string;
}

const pairPattern = /\[Question\]\s*([\s\S]*?)\s*\[Answer\]\s*([\s\S]*?)\s*(?=\[Question\]|$)/g;
const endMarker = /\[End\]|\[END\]/;

/** The text without the markers a model may repeat inside a part (`[Question]`, `[End]`, `[/INST]`). */
const clean = (text: string, markers: RegExp): string => text.replace(markers, '').trim();

/**
 * Reads the pairs of a generator's answer in DGT's knowledge format: the prompt ends with `[Question]`, so the
 * answer continues a question, then `[Answer]`, the answer, `[End]`, and more pairs. When there are several, a last
 * one without `[End]` was cut off and is dropped; a pair whose question holds an `[End]` was misread and is skipped,
 * and so is a pair with an empty part.
 *
 * ## Example
 * ```ts
 * parseQuestionAnswers('What is a moon?\n[Answer]\nA natural satellite.\n[End]\n[Question]\nWhy is Mars red?\n[Answer]\nIron ox');
 * // [{ question: 'What is a moon?', answer: 'A natural satellite.' }]
 * ```
 * @throws {Error} when the answer holds no usable pair, saying what it lacks
 */
export function parseQuestionAnswers(text: string): QuestionAnswer[] {
  let matches = [...`[Question]\n${text}`.matchAll(pairPattern)].map((match) => [match[1] ?? '', match[2] ?? ''] as const);
  if (matches.length > 1 && !endMarker.test(matches.at(-1)![1])) matches = matches.slice(0, -1);
  const pairs: QuestionAnswer[] = [];
  for (const [rawQuestion, rawAnswer] of matches) {
    if (endMarker.test(rawQuestion)) continue;
    const question = clean(rawQuestion, /\[Question\]|\[\/INST\]/g);
    const answer = clean(rawAnswer, /\[End\]|\[END\]|\[\/INST\]/g);
    if (question !== '' && answer !== '') pairs.push({ question, answer });
  }
  if (pairs.length > 0) return pairs;
  if (matches.length === 0) throw new Error('the answer has no `[Answer]` marker, so no question-answer pair could be read');
  throw new Error('every question-answer pair in the answer has an empty question or answer, or an `[End]` inside its question');
}
