import { definedSettings } from '../defined-settings.ts';
import { defineEngineAdapter } from '../engine-adapter.ts';
import { createOpenAI } from './openai-model.ts';

/**
 * LM blocks of type `openai` and `vllm-remote`: any OpenAI-compatible server. No fields of their own; every
 * generation parameter is sent (vLLM's extensions too), so none is refused before a request.
 */
export const openAIBlock = defineEngineAdapter({
  types: ['openai', 'vllm-remote'],
  fields: {},
  create: (_config, common) =>
    createOpenAI({
      modelId: common.modelId,
      timeoutMs: common.timeoutMs,
      provider: common.type,
      ...definedSettings({ baseURL: common.baseURL, apiKey: common.apiKey, headers: common.headers }),
    }),
});
