import type { z } from 'zod';
import type { BlockDefinition } from '../block-definition.ts';
import { dataLeakBlock } from './data-leak.ts';
import { fieldMapBlock } from './field-map.ts';
import { flattenFieldBlock } from './flatten-field.ts';
import { noopBlock } from './noop.ts';
import { toolCallValidatorBlock } from './tool-call-validator.ts';

export { dataLeakBlock } from './data-leak.ts';
export { leakScore, type LeakScoreSettings } from './data-leak-score.ts';
export { fieldMapBlock } from './field-map.ts';
export { flattenFieldBlock } from './flatten-field.ts';
export { noopBlock } from './noop.ts';
export { checkToolCalls, type ToolCallRules } from './tool-call-checks.ts';
export { toolCallValidatorBlock } from './tool-call-validator.ts';

/**
 * DGT's blocks that call no model: `noop`, `field_map`, `flatten_field`, `tool_call_validator` and
 * `validators/data_leak`.
 *
 * ## Example
 * ```ts
 * import { blockTypes } from 'rxdgt';
 * blockTypes(); // [..., 'noop', 'field_map', 'flatten_field', 'tool_call_validator', 'validators/data_leak', ...]
 * ```
 */
export const utilityBlocks: readonly BlockDefinition<z.ZodRawShape>[] = [
  noopBlock,
  fieldMapBlock,
  flattenFieldBlock,
  toolCallValidatorBlock,
  dataLeakBlock,
] as readonly BlockDefinition[] as readonly BlockDefinition<z.ZodRawShape>[];
