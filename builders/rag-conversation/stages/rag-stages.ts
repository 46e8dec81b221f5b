import type { StageDefinition } from '../../../lib/conversation/stage.ts';
import type { SearchEngine } from '../../../lib/search/search-engine.ts';
import { lmAssistantRagStatic } from './lm-assistant-rag-static.ts';
import { lmFlowControllerRag } from './lm-flow-controller-rag.ts';
import { ragScenarioStage } from './lm-scenario-rag.ts';
import { lmUserRag } from './lm-user-rag.ts';

/**
 * The stage types `public/rag/conversation` adds to the core ones, for a task's search engines: `lm/scenario/rag`,
 * `lm/flow_controller/rag`, `lm/user/rag`, `lm/assistant/rag/static`. Register them with the core stages:
 * `stageRegistry([...coreConversationStages, ...ragConversationStages(engines)])`.
 */
export function ragConversationStages(engines: ReadonlyMap<string, SearchEngine>): readonly StageDefinition[] {
  return [ragScenarioStage(engines), lmFlowControllerRag, lmUserRag, lmAssistantRagStatic as unknown as StageDefinition];
}
