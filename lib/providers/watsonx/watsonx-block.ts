import { z } from 'zod';
import { definedSettings } from '../defined-settings.ts';
import { defineEngineAdapter } from '../engine-adapter.ts';
import { endpointUrlSchema } from '../endpoint-url-schema.ts';
import { createWatsonx, watsonxMaxConcurrency } from './watsonx-model.ts';
import { checkWatsonxParams } from './watsonx-params.ts';

/**
 * LM blocks of type `watsonx`: `project_id`, `iam_url` and `api_version` (the `version` query); `base_url` is the
 * regional API origin. `call_limit` is capped at 10, as the service's terms require and DGT does.
 */
export const watsonxBlock = defineEngineAdapter({
  types: ['watsonx'],
  fields: {
    api_version: z.string().min(1).optional(),
    project_id: z.string().min(1).optional(),
    iam_url: endpointUrlSchema.optional(),
  },
  create: (config, common) =>
    createWatsonx({
      modelId: common.modelId,
      timeoutMs: common.timeoutMs,
      ...definedSettings({
        apiKey: common.apiKey,
        apiUrl: common.baseURL,
        projectId: config.project_id,
        iamUrl: config.iam_url,
        apiVersion: config.api_version,
        headers: common.headers,
      }),
    }),
  checkParams: checkWatsonxParams,
  callLimit: (_config, _model, callLimit) => Math.min(callLimit, watsonxMaxConcurrency),
});
