import type { z } from 'zod';
import type { BlockDefinition } from '../block-definition.ts';
import { graniteGuardianBlock } from './granite-guardian.ts';
import { lmJudgeBlock } from './lm-judge.ts';
import { magpieFilterBlock } from './magpie-filter.ts';
import { magpieTagBlock } from './magpie-tag.ts';

export { graniteGuardianBlock } from './granite-guardian.ts';
export type { JudgeSuccessFunction, JudgeSuccessRule } from './judge-success.ts';
export { lmJudgeBlock } from './lm-judge.ts';
export { magpieFilterBlock } from './magpie-filter.ts';
export { magpieTagBlock } from './magpie-tag.ts';

/** The LM-judged blocks: `lm_judge`, `validators/granite_guardian`, `magpie_tag`, and `magpie_filter` (on `magpie_tag`'s tags). */
// Each definition's `create` takes its own config type, so the list is typed by the common shape.
export const judgeBlocks = [lmJudgeBlock, graniteGuardianBlock, magpieTagBlock, magpieFilterBlock] as unknown as readonly BlockDefinition<z.ZodRawShape>[];
