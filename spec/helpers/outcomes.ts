import { accepted, rejected } from '../../lib/outcome.ts';
import type { Accepted, DataPoint, Rejected, Restored, Usage } from '../../lib/record.ts';

/** A question-answer record, the shape most operator specs use. */
export interface Question {
  readonly question: string;
  readonly answer?: string;
}

/** An accepted question as input `attempt`. */
export const askOf = (attempt: number, question: string): Accepted<Question> => accepted(String(attempt), { question });

/** A record restored from an earlier run. */
export const restoredOf = (question: string): Restored => ({
  status: 'restored',
  id: '',
  record: { task_name: 'qa', is_seed: false, question } satisfies DataPoint,
});

/** A question an earlier block rejected with `code` (`lm_call_failed` counts as a failure). */
export const rejectedOf = (attempt: number, question: string, code = 'invalid_record'): Rejected =>
  rejected(askOf(attempt, question), [{ code, message: `${code} for test`, block: 'earlier' }]);

/** A record's usage without cost or a per-model breakdown, for specs about counting. */
export const usageOf = (counts: Pick<Usage, 'calls' | 'cachedCalls' | 'promptTokens' | 'completionTokens'>): Usage => ({ ...counts, costUsd: 0, byModel: {} });
