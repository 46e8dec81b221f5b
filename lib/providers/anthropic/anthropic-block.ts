import { z } from 'zod';
import { definedSettings } from '../defined-settings.ts';
import { defineEngineAdapter } from '../engine-adapter.ts';
import { checkAnthropicParams } from './anthropic-body.ts';
import { createAnthropic } from './anthropic-model.ts';

/** LM blocks of type `anthropic`: `api_version` is the `anthropic-version` header; `max_tokens` the default the API needs. */
export const anthropicBlock = defineEngineAdapter({
  types: ['anthropic'],
  fields: { api_version: z.string().min(1).optional() },
  create: (config, common) =>
    createAnthropic({
      modelId: common.modelId,
      timeoutMs: common.timeoutMs,
      ...definedSettings({
        baseURL: common.baseURL,
        apiKey: common.apiKey,
        apiVersion: config.api_version,
        defaultMaxTokens: common.params.maxTokens,
        headers: common.headers,
      }),
    }),
  checkParams: checkAnthropicParams,
});
