import { pipe } from 'rxjs';
import { z } from 'zod';
import { Engine } from '../../lib/model/engine.ts';
import { packagePath } from '../../lib/package-path.ts';
import { parseConfig } from '../../lib/parse-config.ts';
import type { DataPoint } from '../../lib/record.ts';
import { type Builder, withConcurrency } from '../../lib/run/task-options.ts';
import { loadTemplate } from '../../lib/template.ts';
import { generate } from '../../operators/generate.ts';
import { salvageRatings, type Ratings } from './salvage-ratings.ts';

export { difficulties, salvageRatings, type Difficulty, type Ratings } from './salvage-ratings.ts';

/** A rated question-answer record. */
export type RatedRecord = DataPoint & { readonly ratings: Ratings };

/** Config of {@link qaRater}. */
export interface QaRaterConfig {
  /** The LM block that rates each pair. */
  readonly rater: Engine;
}

const configSchema = z.object({
  rater: z.custom<Engine>((value) => value instanceof Engine, 'expected an Engine (createEngine)'),
});

/**
 * DGT's `public/examples/qa_rater`: asks the model for a JSON verdict `{knowledge, difficulty}` on each
 * question-answer record, salvages the JSON leniently and stores it in a `ratings` field. An answer with
 * no recognisable difficulty is a rejected record.
 *
 * ## Example
 * ```ts
 * import { createEngine, createTask, qaRater } from 'rxdgt';
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const rater = createEngine(new FakeLanguageModel({ answers: '```json\n{"knowledge": "capitals", "difficulty": "easy"}\n```' }));
 * createTask({ kind: 'transformation', name: 'rate', data: [{ question: 'Capital of France?', answer: 'Paris.' }],
 *   builder: qaRater({ rater }) }).run().subscribe((r) => console.log(r.ratings));
 * // { knowledge: 'capitals', difficulty: 'easy' }
 * ```
 */
export function qaRater(config: QaRaterConfig): Builder<DataPoint> {
  const { rater } = parseConfig('qaRater', configSchema, config);
  const template = loadTemplate(packagePath('builders', 'qa-rater', 'judge.txt'));
  const builder = pipe(
    generate<DataPoint, RatedRecord>({
      engine: rater,
      prompt: (record) => template.render({ question: record['question'] ?? '', answer: record['answer'] ?? '' }),
      parse: (text, record) => ({ ...record, is_seed: false, ratings: salvageRatings(text) }),
    }),
  );
  return withConcurrency(builder, rater.callLimit);
}
