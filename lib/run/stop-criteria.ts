import { z } from 'zod';
import { parseConfig } from '../parse-config.ts';
import { parseFieldPath } from '../text/field-path.ts';
import { type ProgressWindow, type WindowReading, windowKey } from './progress-windows.ts';
import type { TaskProgress } from './task-progress.ts';

/** A predicate over task progress; `reason` names it in `task_results.jsonl` when it stops a task. */
export interface StopCriterion {
  (progress: TaskProgress): boolean;
  readonly reason: string;
  /** One line saying why it fired, for logs. */
  describe(progress: TaskProgress): string;
  /** Windows the progress must keep for it (a task and `stopWhen` keep them). @default none */
  readonly windows?: readonly ProgressWindow[];
}

function criterion(
  reason: string,
  test: (progress: TaskProgress) => boolean,
  describe: (progress: TaskProgress) => string,
  windows?: readonly ProgressWindow[],
): StopCriterion {
  return Object.assign((progress: TaskProgress) => test(progress), { reason, describe }, windows ? { windows } : {});
}

/** Every window the criteria need, for `initialProgress`. */
export function windowsOf(criteria: readonly StopCriterion[]): ProgressWindow[] {
  return criteria.flatMap((criterion) => criterion.windows ?? []);
}

/** A window's reading. @throws {Error} when the progress does not keep it (a `stopWhen` `progress` reader that lacks it) */
function readingOf(progress: TaskProgress, window: ProgressWindow, owner: string): WindowReading {
  const reading = progress.windows?.[windowKey(window)];
  if (reading === undefined) throw new Error(`${owner}: the progress keeps no window \`${windowKey(window)}\`: make it with initialProgress(now, restored, windowsOf(criteria))`);
  return reading;
}

const positiveInt = z.number().int().min(1);
const windowOptions = z.strictObject({ window: positiveInt.default(100), after: positiveInt.default(20) });

/** A field path in DGT's syntax, checked when the criterion is made. */
const fieldPathSchema = z.string().superRefine((path, context) => {
  try {
    parseFieldPath(path);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

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

/** Options of {@link hasAcceptanceRateBelow} and {@link hasMeanScoreBelow}. */
export interface QualityWindowOptions {
  /** How many of the latest inputs (acceptance) or accepted records (scores) the rate or mean is taken over. @default 100 */
  readonly window?: number;
  /** Hold off until this many were seen in the run (a window of 3 inputs says little). @default 20 */
  readonly after?: number;
}

/**
 * Holds when, of the last `window` inputs settled in this run, the share that made a record falls below `rate`, once
 * at least `after` inputs settled (DGT's quality thresholds). Inputs lost to a failed LM call are left out
 * (`hasFailureRate` watches those). A task stopped by it ends `low_quality` (the CLI exits 1), keeping its records.
 *
 * ## Example
 * ```ts
 * import { createTask, hasAcceptanceRateBelow } from 'rxdgt';
 * createTask({ ...options, stopWhen: [hasAcceptanceRateBelow(0.2, { window: 200, after: 50 })] });
 * // task_results.jsonl: { status: 'low_quality', reason: 'acceptance_rate',
 * //   message: 'acceptance rate 0.15 over the last 200 inputs is below 0.2 (30 made a record)' }
 * ```
 *
 * @param rate The lowest share of inputs that make a record, above 0 and at most 1.
 * @param options The window and how many inputs to wait for.
 * @throws {ConfigError} for a rate outside (0, 1] or a window or `after` that is not a positive integer.
 */
export function hasAcceptanceRateBelow(rate: number, options: QualityWindowOptions = {}): StopCriterion {
  const bound = parseConfig('hasAcceptanceRateBelow', z.number().gt(0).max(1), rate);
  const { window: size, after } = parseConfig('hasAcceptanceRateBelow', windowOptions, options);
  const window: ProgressWindow = { kind: 'acceptance', size };
  const read = (progress: TaskProgress) => readingOf(progress, window, 'hasAcceptanceRateBelow');
  return criterion(
    'acceptance_rate',
    (progress) => {
      const { total, count, sum } = read(progress);
      return total >= after && sum / count < bound;
    },
    (progress) => {
      const { count, sum } = read(progress);
      return `acceptance rate ${(sum / count).toFixed(2)} over the last ${count} inputs is below ${bound} (${sum} made a record)`;
    },
    [window],
  );
}

/**
 * Holds when the mean of the number at `field` (a judge's score) over the last `window` accepted records of this run
 * falls below `score`, once at least `after` records had one. Records without a number there are left out; when
 * `after` accepted records came and none had one, it holds too: the field name is wrong, or no block writes it. A
 * task stopped by it ends `low_quality` (the CLI exits 1), keeping its records.
 *
 * ## Example
 * ```ts
 * import { createTask, hasMeanScoreBelow } from 'rxdgt';
 * createTask({ ...options, stopWhen: [hasMeanScoreBelow('judge_score', 3, { window: 100 })] });
 * // task_results.jsonl: { status: 'low_quality', reason: 'mean_score',
 * //   message: 'mean `judge_score` 2.41 over the last 100 records is below 3' }
 * ```
 *
 * @param field The record field holding the score: a name or a path (`scores.overall`, `ratings[0]`).
 * @param score The lowest mean allowed.
 * @param options The window and how many scored records to wait for.
 * @throws {ConfigError} for a malformed field path, a score that is not a finite number, or a bad window or `after`.
 */
export function hasMeanScoreBelow(field: string, score: number, options: QualityWindowOptions = {}): StopCriterion {
  const path = parseConfig('hasMeanScoreBelow', fieldPathSchema, field);
  const bound = parseConfig('hasMeanScoreBelow', z.number().finite(), score);
  const { window: size, after } = parseConfig('hasMeanScoreBelow', windowOptions, options);
  const window: ProgressWindow = { kind: 'score', field: path, size };
  const read = (progress: TaskProgress) => readingOf(progress, window, 'hasMeanScoreBelow');
  const unscored = ({ total, skipped }: WindowReading) => total === 0 && skipped >= after;
  return criterion(
    'mean_score',
    (progress) => {
      const reading = read(progress);
      return (reading.total >= after && reading.sum / reading.count < bound) || unscored(reading);
    },
    (progress) => {
      const reading = read(progress);
      if (unscored(reading)) return `none of the ${reading.skipped} accepted records has a number at \`${path}\` (is the field name right, and does a block write it?)`;
      return `mean \`${path}\` ${Number((reading.sum / reading.count).toFixed(2))} over the last ${reading.count} records is below ${bound}`;
    },
    [window],
  );
}

/**
 * Holds once the first `inputs` inputs of this run were each rejected by one config-shaped issue of one block
 * (`configShapedIssueCodes`: a dedupe `key`, an `input_map` or a template naming a field the records lack): a
 * mistake in the pipeline, not bad data. Inputs lost to a failed LM call do not count. Every task checks it (with
 * `inputs` = min(10, its target or input rows)), and also when it ends on its own with fewer inputs, every one so
 * rejected; it then ends `failed` (the CLI exits 1), its rejections kept in `blocks/<block>.jsonl`.
 *
 * ## Example
 * ```ts
 * import { isMisconfigured, stopWhen } from 'rxdgt';
 * outcomes$.pipe(stopWhen(isMisconfigured(10)));
 * // 'every one of the first 10 records was rejected by block `dedup`: dedupe_key_invalid: cannot read the text to
 * //  compare: field `questoin` is undefined, expected a string'
 * ```
 *
 * @param inputs How many inputs must be so rejected. @default 10
 * @throws {ConfigError} when `inputs` is not a positive integer.
 */
export function isMisconfigured(inputs = 10): StopCriterion {
  const limit = parseConfig('isMisconfigured', positiveInt, inputs);
  return criterion(
    'misconfigured',
    (progress) => progress.configIssue?.holds === true && progress.configIssue.inputs >= limit,
    (progress) => describeConfigIssue(progress) ?? `every one of the first ${limit} records was rejected by a config-shaped issue`,
  );
}

/** "every one of the first N records was rejected by block `b`: code: message", while the streak holds. */
export function describeConfigIssue({ configIssue }: TaskProgress): string | undefined {
  if (configIssue?.holds !== true) return undefined;
  const { inputs, block, code, message } = configIssue;
  const which = inputs === 1 ? 'the first record was' : `every one of the first ${inputs} records was`;
  return `${which} rejected by block \`${block}\`: ${code}: ${message}`;
}
