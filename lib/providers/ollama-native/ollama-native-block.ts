import { z } from 'zod';
import { definedSettings } from '../defined-settings.ts';
import { defineEngineAdapter } from '../engine-adapter.ts';
import { checkOllamaParams } from './ollama-native-body.ts';
import { createOllamaNative } from './ollama-native-model.ts';

/** LM blocks of type `ollama`, on Ollama's native API: `num_ctx` is sent as a model option with every request. */
export const ollamaBlock = defineEngineAdapter({
  types: ['ollama'],
  fields: { num_ctx: z.number().int().min(1).optional() },
  create: (_config, common) =>
    createOllamaNative({ modelId: common.modelId, timeoutMs: common.timeoutMs, ...definedSettings({ baseURL: common.baseURL, headers: common.headers }) }),
  checkParams: checkOllamaParams,
  // Ollama reads model options such as the context size from `options`.
  params: (config) => (config.num_ctx === undefined ? {} : { providerOptions: { options: { num_ctx: config.num_ctx } } }),
});
