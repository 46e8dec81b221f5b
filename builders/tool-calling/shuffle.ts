import { type JsonObject, isObject } from '../../lib/blocks/utilities/tool-call-grounding.ts';
import { shuffled } from '../../lib/tools/samplers/draws.ts';

/** DGT's `shuffle_tools`: the tools in a drawn order, and the `properties` of every schema in them too, against position bias. */
export function shuffleTools(tools: readonly JsonObject[], random: () => number): JsonObject[] {
  const shuffle = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(shuffle);
    if (!isObject(value)) return value;
    const entries = Object.entries(value).map(([key, inner]) => {
      if (key === 'properties' && isObject(inner)) return [key, Object.fromEntries(shuffled(random, Object.entries(inner)).map(([name, schema]) => [name, shuffle(schema)]))];
      return [key, shuffle(inner)];
    });
    return Object.fromEntries(entries);
  };
  return shuffled(random, tools.map((tool) => shuffle(tool) as JsonObject));
}
