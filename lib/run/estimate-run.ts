/** What a preview's sample of a task did: the figures {@link estimateRun} scales up. */
export interface RunSample {
  /** Inputs settled: seed batches tried (generation) or data rows read (transformation). */
  readonly inputs: number;
  /** Records accepted. */
  readonly accepted: number;
  /** LM calls made: answers a model gave (those from a cache are in `cachedCalls`). */
  readonly calls: number;
  /** LM calls answered from a cache (the engine's, or an `lm_cache`): no tokens, no cost, no wait. */
  readonly cachedCalls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** US dollars spent; undefined when no engine of the task has a price. */
  readonly costUsd: number | undefined;
  /** Mean time a model took to answer one call, in ms; undefined when none was timed. */
  readonly meanLatencyMs: number | undefined;
}

/** What a whole run of the task aims for: records to generate, or data rows to transform. */
export type RunTarget = { readonly kind: 'generation'; readonly records: number } | { readonly kind: 'transformation'; readonly rows: number };

/** The limits that bound a run's pace. */
export interface RunLimits {
  /** LM calls in flight at once (the task's `call_limit`). */
  readonly callLimit: number;
  /** Requests per minute of the engines' credential and endpoint; undefined: none. */
  readonly rpm?: number | undefined;
  /** Tokens (prompt + completion) per minute; undefined: none. */
  readonly tpm?: number | undefined;
}

/** What limit bounds the wall time from below. */
export type RunBound = 'call_limit' | 'rpm' | 'tpm';

/** A whole run's expected figures, scaled from a sample. */
export interface RunEstimate {
  /** Inputs the run is expected to settle. */
  readonly inputs: number;
  /** Records it is expected to make. */
  readonly records: number;
  /** Records accepted per input of the sample. */
  readonly acceptanceRate: number;
  /** LM calls, those answered from a cache included. */
  readonly calls: number;
  /**
   * Of `calls`, those a cache is expected to answer, at the sample's share: they spend no tokens and take no time (a
   * run with a warmer `lm_cache` makes fewer calls, one with a colder makes more).
   */
  readonly cachedCalls: number;
  /** Tokens of the calls made (not of those a cache answers). */
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** US dollars; undefined when no price is known. */
  readonly costUsd: number | undefined;
  /**
   * The wall time in seconds: the largest of calls made × the sample's mean answer time / `callLimit` (an estimate),
   * calls made / `rpm` and tokens / `tpm` (lower bounds); answers from a cache take no time. Undefined when no answer
   * was timed and no rate limit is set.
   */
  readonly seconds: number | undefined;
  /** The limit that gave `seconds`. */
  readonly bound: RunBound | undefined;
}

/**
 * Scales a sample up to a whole run. A generation needs `records` accepted records: every figure is the sample's per
 * accepted record times `records` (the sample's acceptance rate sets the inputs needed). A transformation reads every
 * row once: every figure is the sample's per input times `rows`. LM calls count those a cache answered too (the run
 * makes them, at the sample's share answered from a cache); tokens, cost and time are those of the calls made.
 * Undefined when the sample cannot be scaled: no input settled, or a generation that accepted no record.
 *
 * ## Example
 * ```ts
 * const sample = { inputs: 5, accepted: 4, calls: 4, cachedCalls: 1, promptTokens: 400, completionTokens: 80, costUsd: undefined, meanLatencyMs: 2000 };
 * estimateRun(sample, { kind: 'generation', records: 100 }, { callLimit: 10, rpm: 60 });
 * // { inputs: 125, records: 100, acceptanceRate: 0.8, calls: 125, cachedCalls: 25, promptTokens: 10000,
 * //   completionTokens: 2000, costUsd: undefined, seconds: 100, bound: 'rpm' }
 * ```
 */
export function estimateRun(sample: RunSample, target: RunTarget, limits: RunLimits): RunEstimate | undefined {
  if (sample.inputs <= 0) return undefined;
  if (target.kind === 'generation' && sample.accepted <= 0) return undefined;
  // Sample units the run needs: accepted records for a generation, inputs for a transformation.
  const scale = target.kind === 'generation' ? target.records / sample.accepted : target.rows / sample.inputs;
  const calls = sample.calls * scale;
  const cachedCalls = sample.cachedCalls * scale;
  const promptTokens = sample.promptTokens * scale;
  const completionTokens = sample.completionTokens * scale;
  const bounds: [RunBound, number][] = [];
  if (sample.meanLatencyMs !== undefined && limits.callLimit > 0) bounds.push(['call_limit', (calls * sample.meanLatencyMs) / limits.callLimit / 1000]);
  if (limits.rpm !== undefined && limits.rpm > 0) bounds.push(['rpm', (calls * 60) / limits.rpm]);
  if (limits.tpm !== undefined && limits.tpm > 0) bounds.push(['tpm', ((promptTokens + completionTokens) * 60) / limits.tpm]);
  const slowest = bounds.reduce<[RunBound, number] | undefined>((most, bound) => (most === undefined || bound[1] > most[1] ? bound : most), undefined);
  return {
    inputs: sample.inputs * scale,
    records: sample.accepted * scale,
    acceptanceRate: sample.accepted / sample.inputs,
    calls: calls + cachedCalls,
    cachedCalls,
    promptTokens,
    completionTokens,
    costUsd: sample.costUsd === undefined ? undefined : sample.costUsd * scale,
    seconds: slowest?.[1],
    bound: slowest?.[0],
  };
}
