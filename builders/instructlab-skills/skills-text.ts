/**
 * Readers of the skills builder's model answers, as DGT's skills utilities read them: questions under
 * `### Question <n>:` headings, a context between `[Start of Context]` and `[End of Context]`, and a judge's rating.
 */

/**
 * The questions of an answer: the text split on `### Question <n>:` headings, each part trimmed, empty ones dropped
 * (text before the first heading counts as a question, as in DGT).
 *
 * ## Example
 * ```ts
 * splitQuestions('### Question 1: Why?\n### Question 2: How?'); // ['Why?', 'How?']
 * ```
 */
export function splitQuestions(answer: string): string[] {
  return answer
    .split(/### Question \d+:/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * The first context of an answer, between `[Start of Context]` and `[End of Context]`, trimmed; undefined when the
 * answer has no such pair.
 *
 * ## Example
 * ```ts
 * extractContext('Here: [Start of Context] A memo. [End of Context]'); // 'A memo.'
 * ```
 */
export function extractContext(answer: string): string | undefined {
  return /\[Start of Context\]([\s\S]*?)(?=\[End of Context\])/.exec(answer)?.[1]?.trim();
}

/**
 * A judge's rating: with the word `Rating` in the answer, the first number in double brackets (`[[3]]`), else in
 * single ones (`[3]`); -1 when there is no `Rating` or no bracketed number.
 *
 * ## Example
 * ```ts
 * readRating('Explanation: clear.\nRating: [[1]]'); // 1
 * readRating('Looks fine to me.'); // -1
 * ```
 */
export function readRating(answer: string): number {
  if (!answer.includes('Rating')) return -1;
  const match = /\[\[(\d+\.?\d*)\]\]/.exec(answer) ?? /\[(\d+\.?\d*)\]/.exec(answer);
  return match ? Number(match[1]) : -1;
}
