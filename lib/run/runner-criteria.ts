import type { RunnerConfig } from '../config/task-spec.ts';
import { type StopCriterion, hasAcceptanceRateBelow, hasMeanScoreBelow } from './stop-criteria.ts';

/**
 * The quality thresholds of a task's `runner_config`, as stop criteria for its `stopWhen`: `min_acceptance_rate`
 * (`hasAcceptanceRateBelow`) and `min_mean_score` (`hasMeanScoreBelow`). The schema (`runnerConfigSchema`) has
 * checked the values, so this does not throw for a parsed config.
 *
 * ## Example
 * ```ts
 * runnerStopCriteria({ min_acceptance_rate: { rate: 0.2, window: 200, after: 50 }, min_mean_score: { field: 'judge_score', score: 3 } })
 *   .map((criterion) => criterion.reason); // ['acceptance_rate', 'mean_score']
 * ```
 */
export function runnerStopCriteria(runner: RunnerConfig): StopCriterion[] {
  const windowOf = (options: { readonly window?: number | undefined; readonly after?: number | undefined }) => ({
    ...(options.window === undefined ? {} : { window: options.window }),
    ...(options.after === undefined ? {} : { after: options.after }),
  });
  const acceptance = runner.min_acceptance_rate;
  const score = runner.min_mean_score;
  return [
    ...(acceptance ? [hasAcceptanceRateBelow(acceptance.rate, windowOf(acceptance))] : []),
    ...(score ? [hasMeanScoreBelow(score.field, score.score, windowOf(score))] : []),
  ];
}
