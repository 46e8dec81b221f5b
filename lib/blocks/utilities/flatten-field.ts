import type { BlockDefinition } from '../block-definition.ts';

/**
 * DGT's `flatten_field`: one record per item of a list. It reads `to_flatten`; each item becomes a copy of the
 * record with the item in `flattened` (rename it with `output_map`). A value that is not a list makes one copy
 * holding that value; an empty list makes none.
 *
 * ## Example
 * ```yaml
 * - name: one_per_answer
 *   type: flatten_field
 *   input_map: { answers: to_flatten }
 *   output_map: { flattened: answer }
 * ```
 * `{ question: 'q', answers: ['a', 'b'] }` becomes `{ question: 'q', answers: [...], answer: 'a' }` and the same
 * with `answer: 'b'`.
 */
export const flattenFieldBlock: BlockDefinition<Record<never, never>> = {
  type: 'flatten_field',
  summary: 'makes one record per item of a list field',
  fields: {},
  inputs: { required: ['to_flatten'] },
  create: () => ({
    kind: 'transform',
    run: (input) => (Array.isArray(input.to_flatten) ? input.to_flatten : [input.to_flatten]).map((item: unknown) => ({ flattened: item })),
  }),
};
