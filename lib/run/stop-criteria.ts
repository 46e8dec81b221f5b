import { z } from 'zod';
import { parseConfig } from '../parse-config.ts';
import type { TaskProgress } from './task-progress.ts';

/** A predicate over task progress; `reason` names it in `task_results.jsonl` when it stops a task. */
export interface StopCriterion {
  (progress: TaskProgress): boolean;
  readonly reason: string;
  /** One line saying why it fired, for logs. */
  describe(progress: TaskProgress): string;
}

function criterion(reason: string, test: (progress: TaskProgress) => boolean, describe: (progress: TaskProgress) => string): StopCriterion {
  return Object.assign((progress: TaskProgress) => test(progress), { reason, describe });
}

const positiveInt = z.number().int().min(1);

/**
 * Holds once `count` records are accepted (restored ones included).
 * @example stopWhen(isRecordCount(100))
 */
export function isRecordCount(count: number): StopCriterion {
  const target = parseConfig('isRecordCount', positiveInt, count);
  return criterion('complete', (p) => p.accepted >= target, (p) => `${p.accepted} of ${target} records made`);
}

/**
 * Holds once `ms` milliseconds have passed since the task started (on the task's scheduler).
 * @example stopWhen(isTimeElapsed(60_000))
 */
export function isTimeElapsed(ms: number): StopCriterion {
  const limit = parseConfig('isTimeElapsed', z.number().min(0), ms);
  return criterion('time_elapsed', (p) => p.now - p.startedAt >= limit, (p) => `time limit of ${limit} ms reached after ${p.now - p.startedAt} ms`);
}

/**
 * Holds when the last `attempts` inputs in a row made no new record (DGT's `max_stalled_attempts`, default 100).
 * @example stopWhen(isStalled(100))
 */
export function isStalled(attempts = 100): StopCriterion {
  const limit = parseConfig('isStalled', positiveInt, attempts);
  return criterion('stalled', (p) => p.sinceLastAccepted >= limit, () => `no new record in the last ${limit} attempts`);
}

/**
 * Holds when LM call failures reach `rate` of the attempts, once at least `after` attempts were made
 * (default 20, as a task's `failureRateAfter`).
 * @example stopWhen(hasFailureRate(0.5, { after: 50 }))
 */
export function hasFailureRate(rate: number, options: { readonly after?: number } = {}): StopCriterion {
  const limit = parseConfig('hasFailureRate', z.number().gt(0).max(1), rate);
  const after = parseConfig('hasFailureRate', positiveInt, options.after ?? 20);
  return criterion(
    'failure_rate',
    (p) => p.attempts >= after && p.failures / p.attempts >= limit,
    (p) =>
      `${p.failures} of ${p.attempts} LM calls failed (failure rate ${(p.failures / p.attempts).toFixed(2)} >= ${limit})` +
      (p.lastFailure ? `. Last error: ${p.lastFailure}` : ''),
  );
}

/**
 * Holds once the task's LM calls have used `tokens` prompt and completion tokens (cache hits use none).
 * @example stopWhen(hasTokenBudget(1_000_000))
 */
export function hasTokenBudget(tokens: number): StopCriterion {
  const limit = parseConfig('hasTokenBudget', positiveInt, tokens);
  return criterion(
    'token_budget',
    (p) => p.usage.promptTokens + p.usage.completionTokens >= limit,
    (p) => `token budget of ${limit} spent (${p.usage.promptTokens + p.usage.completionTokens} tokens)`,
  );
}

/**
 * Holds once the task's LM calls have cost `usd` US dollars, from the engines' prices.
 * @example stopWhen(hasCostBudget(5))
 */
export function hasCostBudget(usd: number): StopCriterion {
  const limit = parseConfig('hasCostBudget', z.number().gt(0), usd);
  return criterion('cost_budget', (p) => p.usage.costUsd >= limit, (p) => `cost budget of $${limit} spent ($${p.usage.costUsd.toFixed(4)})`);
}
