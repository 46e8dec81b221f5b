import { type OperatorFunction, map } from 'rxjs';
import type { Accepted, ModelUsage, Outcome, RecordIssue, Rejected, Share, Usage } from './record.ts';

/** Wraps a record as the accepted outcome of input `id`. */
export function accepted<T>(id: string, record: T, usage?: Usage): Accepted<T> {
  return usage ? { status: 'accepted', id, record, usage } : { status: 'accepted', id, record };
}

/** The next accepted outcome of the same input: a block's new record, with the input's id and share kept. */
export function passOn<T>(from: Outcome<unknown>, record: T, usage = from.usage): Accepted<T> {
  // Written out, no spreads (V8 builds a spread with more fields on a slow path): one outcome per record and block.
  const next: { -readonly [K in keyof Accepted<T>]: Accepted<T>[K] } = from.share ? { status: 'accepted', id: from.id, share: from.share, record } : { status: 'accepted', id: from.id, record };
  if (usage) next.usage = usage;
  return next;
}

/** Turns an outcome into a rejection with the given issues, keeping its input's identity, its record and usage. */
export function rejected(from: Outcome<unknown>, issues: readonly RecordIssue[], usage = from.usage): Rejected {
  const next: { -readonly [K in keyof Rejected]: Rejected[K] } = from.share
    ? { status: 'rejected', id: from.id, share: from.share, record: from.record, issues }
    : { status: 'rejected', id: from.id, record: from.record, issues };
  if (usage) next.usage = usage;
  return next;
}

/**
 * The rejection of a record a block marked before rejecting it (`marked`, with its `is_valid: false` and `metadata`),
 * keeping the record as the block received it in `received`.
 */
export function rejectedMarked(from: Accepted<unknown>, marked: unknown, issues: readonly RecordIssue[], usage = from.usage): Rejected {
  const next = rejected(passOn(from, marked, usage), issues) as { -readonly [K in keyof Rejected]: Rejected[K] };
  next.received = from.record;
  return next;
}

/**
 * Fan-out: one accepted outcome per record, splitting the input's share among them, so the task settles the input
 * only once every one of them is settled (accepted, or rejected by a later block). The usage stays on the first.
 * No records is a rejection (`no_output`) by `block`: an input always settles through at least one outcome.
 *
 * ## Example
 * ```ts
 * import { mergeMap, of } from 'rxjs';
 * import { accepted, fanOut } from 'rxdgt';
 * of(accepted('0-ab12', { items: ['a', 'b'] }))
 *   .pipe(mergeMap((outcome) => (outcome.status === 'accepted' ? fanOut(outcome, outcome.record.items.map((text) => ({ text })), 'split') : [outcome])))
 *   .subscribe((outcome) => console.log(outcome.share)); // [1, 2] then [1, 2]
 * ```
 */
export function fanOut<T>(from: Accepted<unknown>, records: readonly T[], block: string): Outcome<T>[] {
  if (records.length === 0) return [rejected(from, [{ code: 'no_output', message: 'the block made no record from this input', block }])];
  const [numerator, denominator] = from.share ?? [1, 1];
  const share: Share = [numerator, denominator * records.length];
  return records.map((record, index) => {
    const base = { status: 'accepted', id: from.id, share, record } as const;
    return index === 0 && from.usage ? { ...base, usage: from.usage } : base;
  });
}

/** Usage that spent nothing. */
export const noUsage: Usage = { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, byModel: {} };

/**
 * Two tallies added: their totals, with `byModel` when given, in one object (not an object assigned onto another: two
 * allocations, for sums made once per record and once per settled input).
 */
function added(left: ModelUsage, right: ModelUsage): ModelUsage;
function added(left: ModelUsage, right: ModelUsage, byModel: Record<string, ModelUsage>): Usage;
function added(left: ModelUsage, right: ModelUsage, byModel?: Record<string, ModelUsage>): ModelUsage | Usage {
  const calls = left.calls + right.calls;
  const cachedCalls = left.cachedCalls + right.cachedCalls;
  const promptTokens = left.promptTokens + right.promptTokens;
  const completionTokens = left.completionTokens + right.completionTokens;
  const costUsd = left.costUsd + right.costUsd;
  return byModel === undefined ? { calls, cachedCalls, promptTokens, completionTokens, costUsd } : { calls, cachedCalls, promptTokens, completionTokens, costUsd, byModel };
}

/** Adds two usage tallies, totals and per model; either may be missing. */
export function addUsage(left: Usage | undefined, right: Usage | undefined): Usage | undefined {
  if (!left) return right;
  if (!right) return left;
  // No entries arrays and no keys array: the models of `right` added into a copy of `left`'s.
  const byModel: Record<string, ModelUsage> = { ...left.byModel };
  for (const model in right.byModel) {
    const usage = right.byModel[model]!;
    const before = byModel[model];
    byModel[model] = before ? added(before, usage) : usage;
  }
  return added(left, right, byModel);
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
