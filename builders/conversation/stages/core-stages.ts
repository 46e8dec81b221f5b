import type { StageDefinition } from '../../../lib/conversation/stage.ts';
import { lmAssistantNaive } from './lm-assistant-naive.ts';
import { lmFlowController } from './lm-flow-controller.ts';
import { lmScenario } from './lm-scenario.ts';
import { lmUserGuided } from './lm-user-guided.ts';
import { samplePersona } from './sample-persona.ts';

/**
 * The stage types of DGT's `core/conversation`: `lm/scenario`, `sample/persona`, `lm/flow_controller`,
 * `lm/user/guided`, `lm/assistant/naive`. Other conversation builders register them with their own:
 * `stageRegistry([...coreConversationStages, ...ragStages])`.
 */
export const coreConversationStages: readonly StageDefinition[] = [lmScenario, samplePersona, lmFlowController, lmUserGuided, lmAssistantNaive] as readonly StageDefinition[];
