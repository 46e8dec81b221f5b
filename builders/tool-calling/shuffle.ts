import { type JsonObject, isObject } from '../../lib/blocks/utilities/tool-call-grounding.ts';

/** A copy of `items` in an order drawn from `random` (Fisher-Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** DGT's `shuffle_tools`: the tools in a drawn order, and the `properties` of every schema in them too, against position bias. */
export function shuffleTools(tools: readonly JsonObject[], random: () => number): JsonObject[] {
  const shuffle = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(shuffle);
    if (!isObject(value)) return value;
    const entries = Object.entries(value).map(([key, inner]) => {
      if (key === 'properties' && isObject(inner)) return [key, Object.fromEntries(shuffled(Object.entries(inner), random).map(([name, schema]) => [name, shuffle(schema)]))];
      return [key, shuffle(inner)];
    });
    return Object.fromEntries(entries);
  };
  return shuffled(tools.map((tool) => shuffle(tool) as JsonObject), random);
}
