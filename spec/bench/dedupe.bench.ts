import { from, lastValueFrom, toArray } from 'rxjs';
import { accepted } from '../../lib/outcome.ts';
import { rougeLTokens } from '../../lib/text/rouge-l.ts';
import { SimilarityIndex } from '../../lib/text/similarity-index.ts';
import { tokenize } from '../../lib/text/tokenize.ts';
import { dedupe } from '../../operators/dedupe.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const count = 5_000;


const nouns =
  'photosynthesis inflation gravity vaccines blockchain volcanoes tides caffeine democracy recursion glaciers antibiotics jazz tariffs bees satellites compost sleep memory algebra rainforests plankton earthquakes yeast opera chess reefs fusion bridges rivers languages markets robots forests deserts storms cells proteins stars comets bacteria fungi microchips batteries vitamins dinosaurs pyramids telescopes lasers magnets engines'.split(' ');
const adjectives =
  'modern ancient urban rural digital tropical arctic renewable synthetic local global early late small large public private natural artificial common rare cheap costly fast slow young old wild domestic coastal'.split(' ');
const words = {
  entity: nouns.flatMap((noun) => adjectives.map((adjective) => `${adjective} ${noun}`)),
  attribute: 'purpose history cost impact origin main risk best use future definition role structure lifespan'.split(' '),
  group: 'students farmers doctors engineers children investors artists pilots teachers nurses sailors chefs'.split(' '),
  place: 'Europe cities deserts schools hospitals the ocean small towns space Asia villages labs factories'.split(' '),
  opener: ['', 'Quick question: ', 'In simple terms, ', 'Could you tell me ', 'I wonder: '],
};

const templates: ((pick: <V>(values: readonly V[]) => V) => string)[] = [
  (pick) => `What is the ${pick(words.attribute)} of ${pick(words.entity)}?`,
  (pick) => `How does ${pick(words.entity)} affect ${pick(words.entity)} in ${pick(words.place)}?`,
  (pick) => `Why do ${pick(words.group)} care about ${pick(words.entity)} and ${pick(words.entity)}?`,
  (pick) => `Explain the difference between ${pick(words.entity)} and ${pick(words.entity)} for ${pick(words.group)} in ${pick(words.place)}.`,
  (pick) => `Which ${pick(words.attribute)} of ${pick(words.entity)} matters most to ${pick(words.group)} working in ${pick(words.place)}, and why?`,
  (pick) => `Write a short story where ${pick(words.group)} discover ${pick(words.entity)} near ${pick(words.entity)}.`,
  (pick) => `List three facts about ${pick(words.entity)} that ${pick(words.group)} in ${pick(words.place)} should know.`,
];

/** Questions as an LM would generate them: a few templates, shared vocabulary, many near-duplicates. */
function syntheticQuestions(): string[] {
  const next = seededRandom(2024);
  const pick = <V>(values: readonly V[]): V => values[Math.floor(next() * values.length)]!;
  return Array.from({ length: count }, () => `${pick(words.opener)}${pick(templates)(pick)}`);
}

/**
 * The reference: each question against every kept question with a full LCS, stopping at the first
 * near-duplicate. Tokens become integer ids first, as in the index, so both compare numbers.
 */
function bruteForce(questions: readonly string[], threshold: number): boolean[] {
  const ids = new Map<string, number>();
  const kept: Int32Array[] = [];
  return questions.map((question) => {
    const tokens = Int32Array.from(tokenize(question), (token) => ids.get(token) ?? ids.set(token, ids.size).size - 1);
    for (const other of kept) if (rougeLTokens(tokens, other) >= threshold) return false;
    kept.push(tokens);
    return true;
  });
}

function withIndex(questions: readonly string[], threshold: number): boolean[] {
  const index = new SimilarityIndex(threshold);
  return questions.map((question) => index.admit(question) === undefined);
}

function timed<R>(run: () => R): { result: R; microsecondsPerItem: number } {
  const start = performance.now();
  const result = run();
  return { result, microsecondsPerItem: ((performance.now() - start) * 1000) / count };
}

const format = (microseconds: number): string => (microseconds >= 100 ? microseconds.toFixed(0) : microseconds.toFixed(2));

/**
 * Time per item to dedupe 5,000 synthetic questions with the {@link SimilarityIndex} (alone and inside the
 * `dedupe` operator) versus a brute-force all-pairs scan, at thresholds 0.7 and 1.0. Returns printable lines.
 */
export async function benchDedupe(): Promise<string[]> {
  const questions = syntheticQuestions();
  const meanTokens = questions.reduce((sum, question) => sum + tokenize(question).length, 0) / count;
  const lines = [`dedupe: ${count} synthetic questions, ${meanTokens.toFixed(1)} tokens on average`];
  for (const threshold of [0.7, 1.0]) {
    withIndex(questions, threshold); // warm-up, so the JIT has compiled the hot path
    const index = timed(() => withIndex(questions, threshold));
    const outcomes = questions.map((question, attempt) => accepted(String(attempt), { question }));
    const operator = dedupe<{ question: string }>({ key: 'question', threshold });
    await lastValueFrom(from(outcomes).pipe(operator, toArray()));
    const start = performance.now();
    await lastValueFrom(from(outcomes).pipe(operator, toArray()));
    const operatorMicroseconds = ((performance.now() - start) * 1000) / count;
    const brute = timed(() => bruteForce(questions, threshold));
    const kept = index.result.filter(Boolean).length;
    const same = index.result.every((keep, i) => keep === brute.result[i]);
    lines.push(
      `  threshold ${threshold.toFixed(1)}: kept ${kept}/${count}; index ${format(index.microsecondsPerItem)} µs/item ` +
        `(operator ${format(operatorMicroseconds)} µs/item), brute force ${format(brute.microsecondsPerItem)} µs/item, ` +
        `${(brute.microsecondsPerItem / index.microsecondsPerItem).toFixed(0)}x faster; same decisions: ${same ? 'yes' : 'NO'}`,
    );
  }
  return lines;
}
