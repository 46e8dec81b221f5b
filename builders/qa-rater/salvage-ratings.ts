/** The difficulty labels a rating may carry, easiest first. */
export const difficulties = ['very easy', 'easy', 'medium', 'hard', 'very hard'] as const;
export type Difficulty = (typeof difficulties)[number];

/** A rater's verdict. */
export interface Ratings {
  readonly knowledge: string | null;
  readonly difficulty: Difficulty;
}

/** Longest labels first, so "very easy" wins over "easy". */
const byLength = [...difficulties].sort((left, right) => right.length - left.length);

function findDifficulty(text: string): Difficulty | undefined {
  const lower = text.toLowerCase();
  return byLength.find((label) => new RegExp(`\\b${label}\\b`).test(lower));
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const unfenced = text.replace(/^\s*```(?:json)?\s*/i, '').replace(/\s*```\s*$/, '');
  for (const candidate of [unfenced, unfenced.slice(unfenced.indexOf('{'), unfenced.lastIndexOf('}') + 1)]) {
    try {
      const value: unknown = JSON.parse(candidate);
      const first = Array.isArray(value) ? value[0] : value;
      if (first && typeof first === 'object') return first as Record<string, unknown>;
    } catch {
      // Not JSON as a whole: try the outermost braces next, then the regex salvage below.
    }
  }
  return undefined;
}

/**
 * Reads `{knowledge, difficulty}` from a model's answer, leniently: code fences, prose around the JSON,
 * a list instead of an object, or no JSON at all (the labels are then salvaged from the text). Throws when
 * no difficulty label can be found.
 */
export function salvageRatings(text: string): Ratings {
  const parsed = parseObject(text);
  const rawDifficulty = parsed?.['difficulty'];
  const difficulty =
    (typeof rawDifficulty === 'string' ? findDifficulty(rawDifficulty) : undefined) ??
    findDifficulty(/"difficulty"\s*:\s*"([^"]*)"/i.exec(text)?.[1] ?? '') ??
    (parsed ? undefined : findDifficulty(text));
  if (!difficulty) throw new Error(`no difficulty (${difficulties.join(', ')}) in the answer`);
  const rawKnowledge = parsed?.['knowledge'] ?? /"knowledge"\s*:\s*"([^"]*)"/i.exec(text)?.[1];
  return { knowledge: typeof rawKnowledge === 'string' ? rawKnowledge : null, difficulty };
}
