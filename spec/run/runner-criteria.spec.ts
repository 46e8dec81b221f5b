import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { taskSpecSchema } from '../../lib/config/task-spec.ts';
import { zodIssueToConfigError } from '../../lib/config/zod-issue.ts';
import { accepted } from '../../lib/outcome.ts';
import { runnerStopCriteria } from '../../lib/run/runner-criteria.ts';
import { windowsOf } from '../../lib/run/stop-criteria.ts';
import { advanceProgress, initialProgress } from '../../lib/run/task-progress.ts';
import { rejectedOf } from '../helpers/outcomes.ts';

const minimal = { task_name: 'geo', task_description: 'Geography QA', data_builder: 'geo' };
const runnerOf = (runner_config: unknown) => taskSpecSchema.parse({ ...minimal, runner_config }).runner_config ?? {};
const errorOf = (runner_config: unknown) => {
  const parsed = taskSpecSchema.safeParse({ ...minimal, runner_config });
  if (parsed.success) throw new Error('expected validation to fail');
  return zodIssueToConfigError(parsed.error as z.ZodError, '/t/task.yaml');
};

describe('runner_config quality thresholds', () => {
  test('min_acceptance_rate and min_mean_score become the task\'s quality criteria', () => {
    const criteria = runnerStopCriteria(runnerOf({ min_acceptance_rate: { rate: 0.2, window: 200, after: 50 }, min_mean_score: { field: 'judge_score', score: 3, window: 100 } }));
    expect(criteria.map((criterion) => criterion.reason)).toEqual(['acceptance_rate', 'mean_score']);
    expect(windowsOf(criteria)).toEqual([
      { kind: 'acceptance', size: 200 },
      { kind: 'score', field: 'judge_score', size: 100 },
    ]);
    expect(runnerStopCriteria(runnerOf({ seed: 3 }))).toEqual([]);
  });

  test('they behave as the code criteria: `after` and the window from the file, the defaults otherwise', () => {
    const [rate] = runnerStopCriteria(runnerOf({ min_acceptance_rate: { rate: 0.5, after: 3 } }));
    let progress = initialProgress(0, 0, windowsOf([rate!]));
    for (const [index, outcome] of [accepted('0', { q: 'a' }), rejectedOf(1, 'b'), rejectedOf(2, 'c')].entries()) {
      expect(rate!(progress)).toBe(false);
      progress = advanceProgress(progress, outcome, index);
    }
    expect(rate!(progress)).toBe(true);
    expect(rate!.describe(progress)).toBe('acceptance rate 0.33 over the last 3 inputs is below 0.5 (1 made a record)');
  });

  test('unknown fields and bad values are errors naming the field', () => {
    expect(errorOf({ min_acceptance_rate: { rate: 0.2, windows: 10 } }).field).toBe('runner_config.min_acceptance_rate.windows');
    expect(errorOf({ min_acceptance_rate: { rate: 2 } }).field).toBe('runner_config.min_acceptance_rate.rate');
    expect(errorOf({ min_acceptance_rate: { window: 10 } }).field).toBe('runner_config.min_acceptance_rate.rate');
    expect(errorOf({ min_mean_score: { field: 'judge_score', score: 3, after: 0 } }).field).toBe('runner_config.min_mean_score.after');
    expect(errorOf({ min_mean_score: { field: 'judge_score' } }).field).toBe('runner_config.min_mean_score.score');
    const path = errorOf({ min_mean_score: { field: 'judge..score', score: 3 } });
    expect(path.field).toBe('runner_config.min_mean_score.field');
    expect(path.message).toBe('/t/task.yaml: field `runner_config.min_mean_score.field`: field path `judge..score` is malformed: empty field name at position 6');
    expect(errorOf({ max_acceptance_rate: { rate: 0.2 } }).field).toBe('runner_config.max_acceptance_rate');
  });
});
