import type { BatchApi } from '../../model/batch-api.ts';
import type { EngineCommon } from '../engine-adapter.ts';
import { openAIBatchApi } from './openai-batch-api.ts';
import { lazily } from '../lazily.ts';
import { openAIConnection } from './openai-connection.ts';

/**
 * The batch jobs of an LM block of type `openai` with `batch: true`: `/v1/files` and `/v1/batches` at its
 * `base_url`, with its key. (`vllm-remote` has none: vLLM serves no batch API.)
 */
export const openAIBatchBlock = {
  types: ['openai'],
  create(_config: Readonly<Record<string, unknown>>, common: EngineCommon): BatchApi {
    const { baseURL, apiKey, timeoutMs } = openAIConnection(
      { modelId: common.modelId, timeoutMs: common.timeoutMs, provider: common.type, baseURL: common.baseURL, apiKey: common.apiKey, headers: common.headers },
      common.type,
    );
    // The `openai` SDK (files, batches) loads with the first batch, not with every run.
    const client = lazily(async () => {
      const { default: OpenAI } = await import('openai');
      return new OpenAI({ baseURL, apiKey: apiKey ?? 'rxdgt-no-key', maxRetries: 0, timeout: timeoutMs, defaultHeaders: { ...common.headers } });
    });
    return openAIBatchApi({ client, model: common.modelId, engine: common.type, root: baseURL, pathPrefix: '/v1', timeoutMs, secrets: [apiKey, ...Object.values(common.headers ?? {})] });
  },
} as const;
