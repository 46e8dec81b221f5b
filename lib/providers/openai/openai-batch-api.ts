import type OpenAI from 'openai';
import type { BatchApi, BatchItemResult, BatchLine, BatchState } from '../../model/batch-api.ts';
import type { ModelRequest, ModelResult } from '../../model/language-model.ts';
import { openAIRequestBody, openAIResultOf } from './openai-shared.ts';
import { sdkErrorToApiCallError } from '../sdk-error.ts';

/** OpenAI's limits on one batch: 50,000 requests, a 200 MB input file. */
const openAIBatchLimits = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 } as const;

/** Where an OpenAI-compatible batch goes and what its errors may not show. */
export interface OpenAIBatchSettings {
  /** An `OpenAI` client, or an `AzureOpenAI` one made without a deployment (batches are the resource's), made on first use. */
  readonly client: () => Promise<OpenAI>;
  /** `model` of each line's body: the model, or Azure's deployment. */
  readonly model: string;
  /** Engine type named in parameter errors (`openai`, `azure-openai`). */
  readonly engine: string;
  /** The API root the routes hang off, named in errors and in the journal (`http://…/v1`, `https://…/openai`). */
  readonly root: string;
  /** The path prefix of each line's `url` and of the batch's `endpoint`: `/v1` on OpenAI, `` on Azure. */
  readonly pathPrefix: string;
  readonly timeoutMs: number;
  /** Strings that never reach an error (keys, header values). */
  readonly secrets: readonly (string | undefined)[];
}

type OutputLine = {
  custom_id?: string;
  response?: { status_code?: number; body?: any } | null;
  error?: { code?: string; message?: string } | null;
};

/** One answered body, read as a direct call reads it (a chat answer's choices carry a `message`). */
function resultOfBody(body: any): ModelResult {
  const choices: any[] = Array.isArray(body?.choices) ? body.choices : [];
  return openAIResultOf({ choices, usage: body?.usage }, choices.some((choice) => choice?.message !== undefined));
}

/** One line of an output or error file, as a result. */
function itemOf(line: OutputLine): BatchItemResult {
  const status = line.response?.status_code;
  if (status === 200 && line.error == null) {
    const result = resultOfBody(line.response?.body);
    return { kind: 'answered', resultFor: () => result };
  }
  const detail = line.error ?? line.response?.body?.error ?? {};
  const code: string | undefined = typeof detail.code === 'string' ? detail.code : undefined;
  const message = `${code === undefined ? '' : `${code}: `}${detail.message ?? `status ${status ?? 'unknown'}`}`;
  const retryable = code === 'batch_expired' || code === 'batch_cancelled' || status === undefined || status === 408 || status === 429 || status >= 500;
  return { kind: 'failed', retryable, message };
}

/** Whether a failed batch failed only for OpenAI's enqueued-token limit (`token_limit_exceeded`), not its content. */
function enqueuedLimitOnly(batch: OpenAI.Batch): boolean {
  const errors = batch.errors?.data ?? [];
  return errors.length > 0 && errors.every((error) => error.code === 'token_limit_exceeded');
}

/** A rejected input file's errors, as the provider words them (`line 3: invalid_json: ...`). */
function rejectionOf(batch: OpenAI.Batch): string {
  const errors = batch.errors?.data ?? [];
  const words = errors.map((error) => `${error.line == null ? '' : `line ${error.line}: `}${error.code ? `${error.code}: ` : ''}${error.message ?? ''}`);
  return words.length > 0 ? words.join('; ') : 'the batch failed without a reason';
}

/**
 * The batch jobs of an OpenAI-compatible service (OpenAI's `/v1/files` + `/v1/batches`, Azure's
 * `/openai/files` + `/openai/batches`): each request is a line `{custom_id, method: 'POST', url, body}` whose body is
 * byte for byte a direct call's (`openAIInput`, `openAIBodyParams`), uploaded with `purpose: batch`, submitted with
 * `completion_window: 24h`, and read back from the output and error files.
 *
 * ## Example
 * ```ts
 * const api = openAIBatchApi({ client: async () => client, model: 'gpt-4o-mini', engine: 'openai', root: 'https://api.openai.com/v1', pathPrefix: '/v1', timeoutMs: 300_000, secrets: [key] });
 * api.lineOf('0-ab12_9f_0', { method: 'chat', messages: [{ role: 'user', content: 'Hi' }] }).text;
 * // {"custom_id":"0-ab12_9f_0","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[...],"stream":false}}
 * ```
 */
export function openAIBatchApi(settings: OpenAIBatchSettings): BatchApi {
  const { client, model, engine, root, pathPrefix, timeoutMs, secrets } = settings;
  const routeOf = (method: ModelRequest['method']): string => `${pathPrefix}/${method === 'chat' ? 'chat/completions' : 'completions'}`;
  // The SDK is loaded by `client` before any call can fail: its error classes are there by then.
  const failed = async (error: unknown, path: string): Promise<unknown> => sdkErrorToApiCallError(error, (await import('openai')).default, { url: `${root}${path}`, timeoutMs, secrets });

  async function readFile(fileId: string, signal: AbortSignal): Promise<string> {
    try {
      return await (await (await client()).files.content(fileId, { signal })).text();
    } catch (error) {
      throw await failed(error, `/files/${fileId}/content`);
    }
  }

  async function retrieve(id: string, signal: AbortSignal): Promise<OpenAI.Batch> {
    try {
      return await (await client()).batches.retrieve(id, { signal });
    } catch (error) {
      throw await failed(error, `/batches/${id}`);
    }
  }

  /** Batches a poll found ended and whose results are not read yet: `results` reads their file ids from here. */
  const endedBatches = new Map<string, OpenAI.Batch>();
  const ended = (batch: OpenAI.Batch): BatchState => {
    endedBatches.set(batch.id, batch);
    return { kind: 'ended' };
  };

  return {
    // The model too: blocks of two models on one endpoint must not take each other's answers after a restart.
    target: `${engine} ${root} ${model}`,
    limits: openAIBatchLimits,
    lineOf(customId: string, request: ModelRequest): BatchLine {
      const body = openAIRequestBody(engine, model, request);
      return { customId, text: JSON.stringify({ custom_id: customId, method: 'POST', url: routeOf(request.method), body }) };
    },
    async submit(lines, method, signal, staged) {
      const content = Buffer.from(lines.map((line) => `${line.text}\n`).join(''));
      let fileId: string;
      try {
        const { toFile } = await import('openai');
        fileId = (await (await client()).files.create({ file: await toFile(content, 'rxdgt-batch.jsonl', { type: 'application/jsonl' }), purpose: 'batch' }, { signal })).id;
      } catch (error) {
        throw await failed(error, '/files');
      }
      staged?.(fileId);
      try {
        const endpoint = routeOf(method) as OpenAI.BatchCreateParams['endpoint'];
        return (await (await client()).batches.create({ input_file_id: fileId, endpoint, completion_window: '24h' }, { signal })).id;
      } catch (error) {
        throw await failed(error, '/batches');
      }
    },
    async find(upload, since, signal) {
      // OpenAI lists the newest first (seen, not documented): the look stops at a batch made more than 15 minutes (of
      // clock skew between this machine and the provider) before the upload was staged, once two batches in a row have
      // shown that order; a list in another order is read to its end.
      const oldest = (since - 15 * 60_000) / 1000;
      let previous: number | undefined;
      let newestFirst = true;
      try {
        for await (const batch of await (await client()).batches.list({ limit: 100 }, { signal })) {
          if (batch.input_file_id === upload) return batch.id;
          if (previous !== undefined) {
            newestFirst &&= batch.created_at <= previous;
            if (newestFirst && batch.created_at < oldest) return undefined;
          }
          previous = batch.created_at;
        }
      } catch (error) {
        throw await failed(error, '/batches');
      }
      return undefined;
    },
    async status(id, signal): Promise<BatchState> {
      const batch = await retrieve(id, signal);
      // Over the organisation's enqueued-token limit, a batch fails without a fault in its file: its requests wait
      // and go again (as expired ones do), rather than end the run.
      if (batch.status === 'failed' && enqueuedLimitOnly(batch)) return ended(batch);
      if (batch.status === 'failed') return { kind: 'rejected', message: rejectionOf(batch) };
      return batch.status === 'completed' || batch.status === 'expired' || batch.status === 'cancelled' ? ended(batch) : { kind: 'pending' };
    },
    async results(id, signal) {
      // The poll that found it ended has its file ids: no second request for them.
      const batch = endedBatches.get(id) ?? (await retrieve(id, signal));
      endedBatches.delete(id);
      const results = new Map<string, BatchItemResult>();
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        for (const text of (await readFile(fileId, signal)).split('\n')) {
          if (text.trim() === '') continue;
          const line = JSON.parse(text) as OutputLine;
          if (typeof line.custom_id === 'string') results.set(line.custom_id, itemOf(line));
        }
      }
      return results;
    },
  };
}
