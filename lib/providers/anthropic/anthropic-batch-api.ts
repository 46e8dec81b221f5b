import type Anthropic from '@anthropic-ai/sdk';
import type { BatchApi, BatchItemResult, BatchLine, BatchState } from '../../model/batch-api.ts';
import type { LanguageModel, ModelRequest } from '../../model/language-model.ts';
import type { EngineCommon } from '../engine-adapter.ts';
import { sdkErrorToApiCallError } from '../sdk-error.ts';
import { anthropicBody } from './anthropic-body.ts';
import { type AnthropicMessage, anthropicApiKey, anthropicClient, anthropicResultOf, oneAnswerOnly, sendsSampling } from './anthropic-shared.ts';

/** Anthropic's limits on one Message Batch: 100,000 requests, 256 MB. */
const anthropicBatchLimits = { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 } as const;

type ResultLine = {
  custom_id?: string;
  result?: { type?: string; message?: AnthropicMessage; error?: { error?: { type?: string; message?: string }; type?: string; message?: string } };
};

function itemOf(line: ResultLine): BatchItemResult {
  const result = line.result ?? {};
  if (result.type === 'succeeded') return { kind: 'answered', resultFor: (request) => anthropicResultOf(result.message ?? {}, request) };
  if (result.type === 'errored') {
    const detail = result.error?.error ?? result.error ?? {};
    const type = detail.type ?? 'api_error';
    // An invalid request fails again in any batch; the service's own errors may not.
    return { kind: 'failed', retryable: type !== 'invalid_request_error', message: `${type}: ${detail.message ?? 'errored'}` };
  }
  return { kind: 'failed', retryable: true, message: `${result.type ?? 'no result'}` };
}

/**
 * Anthropic's Message Batches (`POST /v1/messages/batches` with `{requests: [{custom_id, params}]}`, polled by
 * `processing_status`, results from `results_url` as JSONL): each request's `params` is byte for byte a direct
 * call's body (`anthropicBody`). The block's model, key, version and `max_tokens` default are the direct model's.
 *
 * ## Example
 * ```ts
 * const api = anthropicBatchBlock.create(block, common, model);
 * api.lineOf('0-ab12_9f_0', { method: 'chat', messages: [{ role: 'user', content: 'Hi' }] }).text;
 * // {"custom_id":"0-ab12_9f_0","params":{"model":"claude-sonnet-4-6","max_tokens":1024,"messages":[...]}}
 * ```
 */
export const anthropicBatchBlock = {
  types: ['anthropic'],
  create(config: Readonly<Record<string, unknown>>, common: EngineCommon, model: LanguageModel): BatchApi {
    const apiKey = anthropicApiKey(common.apiKey);
    const apiVersion = typeof config['api_version'] === 'string' ? config['api_version'] : undefined;
    const sampling = sendsSampling(apiVersion);
    const maxTokens = common.params.maxTokens ?? 1024;
    const baseURL = model.endpoint;
    const secrets = [apiKey, ...Object.values(common.headers ?? {})];
    // The SDK loads with the first batch, not with every run; it is loaded before any call can fail.
    const connect = anthropicClient({ apiKey, baseURL, timeoutMs: common.timeoutMs, headers: common.headers, apiVersion });
    const client = async (): Promise<Anthropic> => (await connect()).client;
    const failed = async (error: unknown, path: string): Promise<unknown> =>
      sdkErrorToApiCallError(error, (await connect()).sdk, { url: `${baseURL}${path}`, timeoutMs: common.timeoutMs, secrets });
    const retrieve = async (id: string, signal: AbortSignal) => {
      try {
        return await (await client()).messages.batches.retrieve(id, {}, { signal });
      } catch (error) {
        throw await failed(error, `/v1/messages/batches/${id}`);
      }
    };
    return {
      // The model too: blocks of two models on one endpoint must not take each other's answers after a restart.
      target: `anthropic ${baseURL} ${model.modelId}`,
      limits: anthropicBatchLimits,
      lineOf(customId: string, request: ModelRequest): BatchLine {
        oneAnswerOnly(request);
        const params = anthropicBody(request, model.modelId, maxTokens, sampling);
        return { customId, text: JSON.stringify({ custom_id: customId, params }) };
      },
      async submit(lines, _method, signal) {
        const body = { requests: lines.map((line) => JSON.parse(line.text) as Anthropic.Messages.BatchCreateParams.Request) };
        try {
          return (await (await client()).messages.batches.create(body, { signal })).id;
        } catch (error) {
          throw await failed(error, '/v1/messages/batches');
        }
      },
      async status(id, signal): Promise<BatchState> {
        return (await retrieve(id, signal)).processing_status === 'ended' ? { kind: 'ended' } : { kind: 'pending' };
      },
      async results(id, signal) {
        const results = new Map<string, BatchItemResult>();
        try {
          for await (const line of await (await client()).messages.batches.results(id, {}, { signal })) {
            const item = line as unknown as ResultLine;
            if (typeof item.custom_id !== 'string') continue;
            results.set(item.custom_id, itemOf(item));
          }
        } catch (error) {
          throw await failed(error, `/v1/messages/batches/${id}/results`);
        }
        return results;
      },
    };
  },
} as const;
