import type { BuilderDefinition } from '../lib/builder-registry.ts';
import { conversationBuilders } from './conversation/index.ts';
import { instructlabKnowledgeBuilders } from './instructlab-knowledge/index.ts';
import { instructlabSimpleBuilders } from './instructlab-simple/index.ts';
import { instructlabSkillsBuilders } from './instructlab-skills/index.ts';
import { magpieBuilders } from './magpie/index.ts';
import { ragConversationBuilders } from './rag-conversation/index.ts';
import { safetyRefusalBuilders } from './safety-refusal/index.ts';
import { toolCallingBuilders } from './tool-calling/index.ts';

/** DGT's builders beyond the two examples, each folder listing its own. */
export const dgtBuilders: readonly BuilderDefinition[] = [
  ...instructlabSimpleBuilders,
  ...instructlabSkillsBuilders,
  ...instructlabKnowledgeBuilders,
  ...magpieBuilders,
  ...conversationBuilders,
  ...ragConversationBuilders,
  ...toolCallingBuilders,
  ...safetyRefusalBuilders,
];
