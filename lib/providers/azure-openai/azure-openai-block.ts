import { z } from 'zod';
import { definedSettings } from '../defined-settings.ts';
import { defineEngineAdapter } from '../engine-adapter.ts';
import { checkAzureOpenAIParams, createAzureOpenAI } from './azure-openai-model.ts';

/** LM blocks of type `azure-openai`: `model_id_or_path` names the deployment, `base_url` the resource; `api_version`. */
export const azureOpenAIBlock = defineEngineAdapter({
  types: ['azure-openai'],
  fields: { api_version: z.string().min(1).optional() },
  create: (config, common) =>
    createAzureOpenAI({
      deployment: common.modelId,
      timeoutMs: common.timeoutMs,
      ...definedSettings({ endpoint: common.baseURL, apiKey: common.apiKey, apiVersion: config.api_version, headers: common.headers }),
    }),
  checkParams: checkAzureOpenAIParams,
});
