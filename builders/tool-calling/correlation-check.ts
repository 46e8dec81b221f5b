import type { JsonObject } from '../../lib/blocks/utilities/tool-call-grounding.ts';
import { normalizeValue } from './plan-structure.ts';

/** Kendall's tau-b of two rankings (scipy's `kendalltau`); NaN when either is constant or they are shorter than 2. */
export function kendallTau(left: readonly number[], right: readonly number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiedLeft = 0;
  let tiedRight = 0;
  for (let i = 0; i < left.length; i += 1) {
    for (let j = i + 1; j < left.length; j += 1) {
      const a = Math.sign(left[i]! - left[j]!);
      const b = Math.sign(right[i]! - right[j]!);
      if (a === 0 && b === 0) continue;
      if (a === 0) tiedLeft += 1;
      else if (b === 0) tiedRight += 1;
      else if (a === b) concordant += 1;
      else discordant += 1;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiedLeft) * (concordant + discordant + tiedRight));
  return denominator === 0 ? Number.NaN : (concordant - discordant) / denominator;
}

/** Where an argument value's words first (or last) occur among the request's words; -1 when they do not. */
function occurrence(value: unknown, words: readonly string[], first: boolean): number {
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
    const options = Object.values(value as object).map((inner) => occurrence(inner, words, first));
    return options.length > 0 ? Math.min(...options) : -1;
  }
  const wanted = String(value).split(/\s+/).filter(Boolean).map(normalizeValue);
  if (wanted.length === 0 || wanted.length > words.length) return -1;
  let match = -1;
  let fallback = -1;
  for (let index = 0; index + wanted.length <= words.length; index += 1) {
    if (wanted.every((word, offset) => words[index + offset] === word)) match = first && match !== -1 ? match : index;
    if (words[index]!.startsWith(wanted[0]!)) fallback = first && fallback !== -1 ? fallback : index;
  }
  return match !== -1 ? match : fallback;
}

/**
 * DGT's `correlation_check` of a first request: the literal arguments of the hidden calls (0) and of the others (1)
 * must not appear in the request in that order (Kendall's tau of their rank and their place, by first and by last
 * occurrence, at most 0, and defined), so the request does not just read the plan out call by call.
 *
 * ## Example
 * ```ts
 * correlationCheck(plan, 'Book 2 seats on flight AF12 for Paris', hiddenSet); // false when the hidden call's values come first
 * ```
 */
export function correlationCheck(plan: readonly JsonObject[], request: string, hiddenSet: readonly JsonObject[]): boolean {
  const hidden = new Set(hiddenSet.map((call) => JSON.stringify(call)));
  const values: [rank: number, value: unknown][] = [];
  for (const call of plan) {
    for (const value of Object.values((call['arguments'] as JsonObject | undefined) ?? {})) {
      if (typeof value === 'string' && value.startsWith('$')) continue;
      values.push([hidden.has(JSON.stringify(call)) ? 0 : 1, value]);
    }
  }
  const words = request.split(/\s+/).filter(Boolean).map(normalizeValue);
  for (const first of [true, false]) {
    const places = values.map(([rank, value]) => [rank, occurrence(value, words, first), value] as const);
    const matchable = places.filter(([, place, value]) => place !== -1 && !['true', 'false'].includes(String(value).toLowerCase()));
    const tau = kendallTau(
      matchable.map(([rank]) => rank),
      matchable.map(([, place]) => place),
    );
    if (Number.isNaN(tau) || tau > 0) return false;
  }
  return true;
}
