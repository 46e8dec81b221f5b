import { type OperatorFunction, map } from 'rxjs';
import type { Accepted, ModelUsage, Outcome, RecordIssue, Rejected, Usage } from './record.ts';

/** Wraps a record as an accepted outcome of input `attempt`. */
export function accepted<T>(attempt: number, record: T, usage?: Usage): Accepted<T> {
  return usage ? { status: 'accepted', attempt, record, usage } : { status: 'accepted', attempt, record };
}

/** Turns an accepted outcome into a rejection with the given issues, keeping its record and usage. */
export function rejected(from: Outcome<unknown>, issues: readonly RecordIssue[], usage = from.usage): Rejected {
  const base = { status: 'rejected', attempt: from.attempt, record: from.record, issues } as const;
  return usage ? { ...base, usage } : base;
}

/** Usage that spent nothing. */
export const noUsage: Usage = { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, byModel: {} };

function addModelUsage(left: ModelUsage, right: ModelUsage): ModelUsage {
  return {
    calls: left.calls + right.calls,
    cachedCalls: left.cachedCalls + right.cachedCalls,
    promptTokens: left.promptTokens + right.promptTokens,
    completionTokens: left.completionTokens + right.completionTokens,
    costUsd: left.costUsd + right.costUsd,
  };
}

/** Adds two usage tallies, totals and per model; either may be missing. */
export function addUsage(left: Usage | undefined, right: Usage | undefined): Usage | undefined {
  if (!left) return right;
  if (!right) return left;
  const byModel: Record<string, ModelUsage> = { ...left.byModel };
  for (const [model, usage] of Object.entries(right.byModel)) byModel[model] = byModel[model] ? addModelUsage(byModel[model], usage) : usage;
  return { ...addModelUsage(left, right), byModel };
}

/**
 * Applies `project` to accepted outcomes only; rejected and restored outcomes pass through untouched.
 * The building block of every synchronous block operator.
 */
export function mapAccepted<In, Out>(
  project: (outcome: Accepted<In>) => Outcome<Out>,
): OperatorFunction<Outcome<In>, Outcome<Out>> {
  return map((outcome) => (outcome.status === 'accepted' ? project(outcome) : outcome));
}
