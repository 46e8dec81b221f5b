import { type Observable, defer, map, tap } from 'rxjs';
import type { ResolvedBlocks } from '../../lib/builder-registry.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import { type Builder, withConcurrency } from '../../lib/run/task-options.ts';

/** DGT's three steps, in order; the builder runs those its YAML has. */
export const magpieSteps = ['tagger', 'dedup', 'filter'] as const;

/**
 * DGT's `magpie` builder: each record of the task flows through the builder YAML's `tagger` (`magpie_tag`), `dedup`
 * (`magpie_distance`) and `filter` (`magpie_filter`) blocks, those it has, in that order, and comes out as it came in
 * (`is_seed: false`) with the `magpie_tags` the blocks wrote (null when none did): the `id` that `dedup` adds for
 * `filter` to compare is not kept, as in DGT. Records the filter drops are rejected with its reason (`invalid_sample`,
 * `invalid_score`, `low_quality`, `duplicate`); a failed LM call rejects a record (`lm_call_failed`), and so does a
 * record with nothing to tag (`input_missing`) or embed (`input_invalid`, `embedding_failed`). `dedup` compares every
 * record with every other, so records come out once the task's input has ended.
 *
 * ## Example
 * ```yaml
 * # task.yaml
 * task_name: tag_my_data
 * data_builder: magpie
 * seed_datastore: { type: default, data_path: data.jsonl }  # {question, answer} or {messages} records
 * ```
 * ```ts
 * const builder = magpieTransformation(blocks); // blocks: resolveBlocks(spec of magpie.yaml, ...)
 * // each accepted record: { question, answer, task_name, is_seed: false, magpie_tags: { input_quality: [{ <model>: 'good' }], ... } }
 * ```
 */
export function magpieTransformation(blocks: ResolvedBlocks): Builder<DataPoint> {
  const steps = magpieSteps.filter((name) => blocks.spec.blocks.some((block) => block.name === name)).map((name) => blocks.operator(name));
  const concurrency = Math.max(1, ...[...blocks.engines.values()].map((engine) => engine.callLimit));
  const builder = (source: Observable<Outcome<DataPoint>>): Observable<Outcome<DataPoint>> =>
    defer(() => {
      // Each record as it came in, by input id: DGT rebuilds its output from the input and the tags.
      const inputs = new Map<string, DataPoint>();
      const remembered = source.pipe(tap((outcome) => void (outcome.status === 'accepted' && inputs.set(outcome.id, outcome.record))));
      const processed = steps.reduce((stream, step) => stream.pipe(step), remembered);
      return processed.pipe(
        map((outcome): Outcome<DataPoint> => {
          const input = inputs.get(outcome.id);
          inputs.delete(outcome.id);
          if (outcome.status !== 'accepted' || input === undefined) return outcome;
          return { ...outcome, record: { ...input, is_seed: false, magpie_tags: outcome.record['magpie_tags'] ?? null } };
        }),
      );
    });
  return withConcurrency(builder, concurrency);
}
