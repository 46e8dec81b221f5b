/**
 * The seeded draws samplers share (Python's `random.choice`, `random.sample`, `random.shuffle`, a weighted choice),
 * all from one `random` source in [0, 1).
 */

/** One element, uniformly. */
export function choose<T>(random: () => number, items: readonly T[]): T {
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))]!;
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(random: () => number, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** `count` distinct elements, in draw order. */
export function drawWithoutReplacement<T>(random: () => number, items: readonly T[], count: number): T[] {
  return shuffled(random, items).slice(0, count);
}

/** One element with probability proportional to its weight (all weights ≤ 0: uniformly). */
export function weightedChoice<T>(random: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((sum, weight) => sum + Math.max(0, weight), 0);
  if (total <= 0) return choose(random, items);
  let point = random() * total;
  for (let index = 0; index < items.length; index += 1) {
    point -= Math.max(0, weights[index]!);
    if (point <= 0) return items[index]!;
  }
  return items[items.length - 1]!;
}
