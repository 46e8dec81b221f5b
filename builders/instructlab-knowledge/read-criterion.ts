import type { KnowledgeCriterion } from './task-fields.ts';

/** What a judge's answer for one criterion says: a pass, a fail, or nothing readable. */
export type CriterionReading =
  | { readonly valid: true }
  | { readonly valid: false; readonly code: 'judge_rejected' | 'judge_unparseable'; readonly reason: string };

const quote = (text: string): string => JSON.stringify(text.replace(/\s+/g, ' ').trim().slice(0, 120));

function readFaithfulness(text: string): CriterionReading {
  const word = (/\*\*Answer:\*\*\s*(\w+)/.exec(text) ?? /Answer:\s*(\w+)/.exec(text))?.[1];
  if (word === undefined) return { valid: false, code: 'judge_unparseable', reason: `criterion \`faithfulness\`: no "Answer: yes" or "Answer: no" in the judge's answer ${quote(text)}` };
  if (word.toLowerCase() === 'yes') return { valid: true };
  return { valid: false, code: 'judge_rejected', reason: `criterion \`faithfulness\`: the judge answered ${quote(word)}, not "yes"` };
}

function readRelevancy(text: string): CriterionReading {
  const score = /Total Score: (\d)\/2/.exec(text)?.[1];
  if (score === undefined) return { valid: false, code: 'judge_unparseable', reason: `criterion \`relevancy\`: no "Total Score: <n>/2" in the judge's answer ${quote(text)}` };
  if (score === '2') return { valid: true };
  return { valid: false, code: 'judge_rejected', reason: `criterion \`relevancy\`: the judge scored ${score}/2, not 2/2` };
}

function readQuestionVerification(text: string): CriterionReading {
  const rating = /Rating:\s+(\d+)/.exec(text)?.[1];
  if (rating === undefined) return { valid: false, code: 'judge_unparseable', reason: `criterion \`question_verification\`: no "Rating: <n>" in the judge's answer ${quote(text)}` };
  if (Number(rating) === 1) return { valid: true };
  return { valid: false, code: 'judge_rejected', reason: `criterion \`question_verification\`: the judge rated the question ${rating}, not 1` };
}

/**
 * Reads a judge's answer for one of DGT's knowledge criteria, as DGT scores them: `faithfulness` passes on
 * `Answer: yes` (or `**Answer:** yes`), `relevancy` on `Total Score: 2/2`, `question_verification` on `Rating: 1`.
 * An answer without the expected line is unreadable (DGT counted it a fail too); the reason says which line was missing.
 *
 * ## Example
 * ```ts
 * readCriterion('relevancy', 'Addresses it. Total Score: 1/2');
 * // { valid: false, code: 'judge_rejected', reason: 'criterion `relevancy`: the judge scored 1/2, not 2/2' }
 * ```
 */
export function readCriterion(criterion: KnowledgeCriterion, text: string): CriterionReading {
  if (criterion === 'faithfulness') return readFaithfulness(text);
  if (criterion === 'relevancy') return readRelevancy(text);
  return readQuestionVerification(text);
}
