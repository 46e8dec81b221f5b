import type Anthropic from '@anthropic-ai/sdk';
import { ConfigError } from '../../errors/config-error.ts';
import type { BatchApi, BatchItemResult, BatchLine, BatchState } from '../../model/batch-api.ts';
import type { LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import type { EngineCommon } from '../engine-adapter.ts';
import { lazily } from '../lazily.ts';
import { sdkErrorToApiCallError } from '../sdk-error.ts';
import { toolCallsField } from '../tool-calls.ts';
import { anthropicBody } from './anthropic-body.ts';
import { type ContentBlock, answerOf } from './anthropic-model.ts';

/** Anthropic's limits on one Message Batch: 100,000 requests, 256 MB. */
const anthropicBatchLimits = { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 } as const;

/** The API version that dropped the sampling parameters (as `anthropic-model.ts` sends them). */
const withoutSampling = '2026-10-21';

type ResultLine = {
  custom_id?: string;
  result?: { type?: string; message?: any; error?: { error?: { type?: string; message?: string }; type?: string; message?: string } };
};

/** A succeeded message, read as a direct call reads it. */
function resultOfMessage(message: any, request: ModelRequest): ModelResult {
  const usage = message?.usage ?? {};
  const answer = answerOf((message?.content ?? []) as readonly ContentBlock[], request.responseFormat?.name);
  return {
    texts: [answer.text],
    ...toolCallsField([answer.toolCalls]),
    finishReason: message?.stop_reason ?? undefined,
    usage: { promptTokens: (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0), completionTokens: usage.output_tokens ?? 0 },
  };
}

function itemOf(line: ResultLine): BatchItemResult {
  const result = line.result ?? {};
  if (result.type === 'succeeded') return { kind: 'answered', resultFor: (request) => resultOfMessage(result.message, request) };
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
    const apiKey = [common.apiKey, process.env['ANTHROPIC_API_KEY']].find((value) => value !== undefined && value.trim() !== '')?.trim();
    const apiVersion = typeof config['api_version'] === 'string' ? config['api_version'] : undefined;
    const sampling = apiVersion !== undefined && apiVersion < withoutSampling;
    const maxTokens = common.params.maxTokens ?? 1024;
    const baseURL = model.endpoint;
    const secrets = [apiKey, ...Object.values(common.headers ?? {})];
    // The SDK loads with the first batch, not with every run; it is loaded before any call can fail.
    const client = lazily(async () => {
      const { default: Sdk } = await import('@anthropic-ai/sdk');
      return new Sdk({
        ...(apiKey === undefined ? {} : { apiKey }),
        baseURL,
        maxRetries: 0,
        timeout: common.timeoutMs,
        defaultHeaders: { ...common.headers, ...(apiVersion === undefined ? {} : { 'anthropic-version': apiVersion }) },
      });
    });
    const failed = async (error: unknown, path: string): Promise<unknown> =>
      sdkErrorToApiCallError(error, (await import('@anthropic-ai/sdk')).default, { url: `${baseURL}${path}`, timeoutMs: common.timeoutMs, secrets });
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
        if (request.n !== undefined && request.n > 1) {
          throw new ConfigError(`anthropic: invalid config at \`n\`: expected 1 (the Messages API makes one answer per request), received ${request.n}`, { field: 'n' });
        }
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
