import type { BatchApi } from '../../model/batch-api.ts';
import type { LanguageModel } from '../../model/language-model.ts';
import type { EngineCommon } from '../engine-adapter.ts';
import { lazily } from '../lazily.ts';
import { openAIBatchApi } from '../openai/openai-batch-api.ts';
import { firstSet } from '../first-set.ts';
import { azureOpenAIDefaultApiVersion } from './azure-openai-model.ts';

/**
 * The batch jobs of an LM block of type `azure-openai` with `batch: true`: the resource's `/openai/files` and
 * `/openai/batches` (`?api-version=`), each line's `url` `/chat/completions` and its body's `model` the deployment.
 * The resource, key and version are those the block's model was made with (`model` checked them).
 */
export const azureOpenAIBatchBlock = {
  types: ['azure-openai'],
  create(config: Readonly<Record<string, unknown>>, common: EngineCommon, model: LanguageModel): BatchApi {
    const resource = model.endpoint.replace(/\/openai\/deployments\/[^/]+$/, '');
    const apiKey = firstSet(common.apiKey, process.env['AZURE_OPENAI_API_KEY']);
    const apiVersion = typeof config['api_version'] === 'string' ? config['api_version'] : azureOpenAIDefaultApiVersion;
    // No deployment: the batch routes belong to the resource, and the client would put one in front of `/batches`.
    const client = lazily(async () => {
      const { AzureOpenAI } = await import('openai');
      return new AzureOpenAI({
      baseURL: `${resource}/openai`,
      ...(apiKey === undefined ? {} : { apiKey }),
      apiVersion,
      organization: null,
      project: null,
      maxRetries: 0,
      timeout: common.timeoutMs,
      defaultHeaders: { ...common.headers },
      });
    });
    const secrets = [apiKey, ...Object.values(common.headers ?? {})];
    return openAIBatchApi({ client, model: model.modelId, engine: 'azure-openai', root: `${resource}/openai`, pathPrefix: '', timeoutMs: common.timeoutMs, secrets });
  },
} as const;
