import type { StageDefinition } from '../../../lib/conversation/stage.ts';
import { errorHintStage } from './error-hint.ts';
import { executeStage } from './execute.ts';
import { filterStage } from './filter.ts';
import { plannerStage } from './planner.ts';
import { scenarioGeneratorStage } from './scenario-generator.ts';
import type { SharedSetup } from './shared-setup.ts';
import { summarizeStage } from './summarize.ts';
import { userStage } from './user.ts';
import { verifierStage } from './verifier.ts';

/**
 * The stage types of DGT's `tool_calling/multi_turn/stateless`, made for one task (they share its tools and plan
 * settings): `scenario_generator` (initialization), `planner`, `user`, `verifier`, `execute`, `summarize`
 * (iteration), `filter` and `error_hint` (termination), each under `tool_calling/multi_turn/stages/<name>`.
 */
export function toolCallingStages(shared: SharedSetup): readonly StageDefinition[] {
  return [
    scenarioGeneratorStage(shared),
    plannerStage(shared),
    userStage(shared),
    verifierStage(shared),
    executeStage(shared),
    summarizeStage(),
    filterStage(),
    errorHintStage(),
  ] as readonly StageDefinition[];
}
