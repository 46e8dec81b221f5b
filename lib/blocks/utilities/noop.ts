import type { BlockDefinition } from '../block-definition.ts';

/**
 * DGT's `noop`: a placeholder validator that accepts every record. Like DGT's, it reads `input` (a record without
 * it is rejected, `input_missing`) and judges nothing; with `filter: false` the record gets `is_valid: true`.
 *
 * ## Example
 * ```yaml
 * - name: accept_all
 *   type: noop
 *   input_map: { question: input }
 * ```
 */
export const noopBlock: BlockDefinition<Record<never, never>> = {
  type: 'noop',
  summary: 'accepts every record (a placeholder validator)',
  fields: {},
  inputs: { required: ['input'] },
  validator: true,
  create: () => ({ kind: 'validator', check: () => ({ valid: true }) }),
};
