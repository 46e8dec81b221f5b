import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { ChatMessage, GenerationParams, ModelRequest } from '../../lib/model/language-model.ts';
import { createWatsonx } from '../../lib/providers/watsonx/watsonx-model.ts';
import { failureOf, generate, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { type FixtureRequest, startHttpFixture } from '../helpers/servers/http-fixture.ts';

useUnsetEnvironment(['WATSONX_API_KEY', 'WATSONX_API_TOKEN', 'WATSONX_PROJECT_ID', 'WATSONX_API_URL', 'WATSONX_IAM_URL']);

/** A watsonx stand-in answering chat with `choice` and text generation with `result`, whatever was asked. */
const start = useServers((answers: { choice?: unknown; result?: unknown } = {}) =>
  startHttpFixture({
    handle: (request: FixtureRequest) => {
      const usage = { prompt_tokens: 3, completion_tokens: 2 };
      if (request.path === '/ml/v1/text/chat') return { status: 200, body: { choices: [answers.choice ?? { message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage } };
      const result = { generated_text: 'ok', stop_reason: 'eos_token', input_token_count: 3, generated_token_count: 2, ...(answers.result as object) };
      return { status: 200, body: { results: [result] } };
    },
  }),
);

function modelFor(url: string, headers?: Record<string, string>) {
  return createWatsonx({ modelId: 'ibm/granite-test', apiToken: 'ready-token', projectId: 'p', apiUrl: url, ...(headers ? { headers } : {}) });
}

const parameters = { type: 'object', properties: { city: { type: 'string' } } };
const lookup = { type: 'function', function: { name: 'lookup', parameters } } as const;
const target = { model_id: 'ibm/granite-test', project_id: 'p' };

describe('createWatsonx: chat parameters and tools', () => {
  it('sends penalties, logit bias, logprobs, reasoning effort, tools with `tool_choice_option`, JSON mode and extra_body', async () => {
    const server = await start();
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Where is the Louvre?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c0', type: 'function', function: { name: 'lookup', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: 'found', tool_call_id: 'c0' },
    ];
    await generate(modelFor(server.url, { 'x-request-tag': 't-1' }), {
      method: 'chat',
      messages,
      frequencyPenalty: 0.1,
      presencePenalty: 0.2,
      logitBias: { '7': 1 },
      logprobs: true,
      topLogprobs: 2,
      reasoningEffort: 'medium',
      tools: [lookup],
      toolChoice: 'required',
      jsonMode: true,
      extraBody: { time_limit: 1000 },
    });
    const [request] = server.requests;
    expect(request?.headers['x-request-tag']).toBe('t-1');
    expect(request?.headers.authorization).toBe('Bearer ready-token');
    expect(request?.body).toEqual({
      ...target,
      messages: [
        { role: 'user', content: 'Where is the Louvre?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'c0', type: 'function', function: { name: 'lookup', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: 'found', tool_call_id: 'c0' },
      ],
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      logit_bias: { '7': 1 },
      logprobs: true,
      top_logprobs: 2,
      reasoning_effort: 'medium',
      tools: [lookup],
      tool_choice_option: 'required',
      response_format: { type: 'json_object' },
      time_limit: 1000,
    });
  });

  it('a named tool choice goes in `tool_choice`; the tool calls and logprobs of the answer come back parsed', async () => {
    const server = await start({
      choice: {
        message: { role: 'assistant', content: '', tool_calls: [{ id: 'chatcmpl-tool-1', type: 'function', function: { name: 'lookup', arguments: '{"city": "Paris"}' } }] },
        logprobs: { content: [{ token: '<tool>', logprob: -0.01, top_logprobs: [{ token: '<tool>', logprob: -0.01 }] }] },
        finish_reason: 'tool_calls',
      },
    });
    const result = await generate(modelFor(server.url), {
      method: 'chat',
      messages: [{ role: 'user', content: 'Find Paris' }],
      tools: [lookup],
      toolChoice: { type: 'function', function: { name: 'lookup' } },
      logprobs: true,
    });
    expect(server.requests[0]?.body.tool_choice).toEqual({ type: 'function', function: { name: 'lookup' } });
    expect(server.requests[0]?.body.tool_choice_option).toBeUndefined();
    expect(result).toEqual({
      texts: [''],
      toolCalls: [[{ id: 'chatcmpl-tool-1', name: 'lookup', arguments: { city: 'Paris' } }]],
      logprobs: [[{ token: '<tool>', logprob: -0.01, top: [{ token: '<tool>', logprob: -0.01 }] }]],
      finishReason: 'tool_calls',
      usage: { promptTokens: 3, completionTokens: 2 },
    });
  });
});

describe('createWatsonx: text generation parameters', () => {
  it('sends top_k, and logprobs and echo as return_options; the answer starts with the echoed input and carries logprobs', async () => {
    const server = await start({
      result: {
        generated_text: ' Paris.',
        input_text: 'Q: capital? A:',
        generated_tokens: [{ text: '▁Paris', logprob: -0.3, top_tokens: [{ text: '▁Paris', logprob: -0.3 }, { text: '▁Lyon', logprob: -2.1 }] }],
      },
    });
    const result = await generate(modelFor(server.url), { method: 'completion', prompt: 'Q: capital?', continuation: ' A:', topK: 5, logprobs: true, topLogprobs: 2, echo: true });
    expect(server.requests[0]?.body).toEqual({
      ...target,
      input: 'Q: capital? A:',
      parameters: { top_k: 5, return_options: { generated_tokens: true, token_logprobs: true, top_n_tokens: 2, input_text: true } },
    });
    expect(result.texts).toEqual(['Q: capital? A: Paris.']);
    expect(result.logprobs).toEqual([[{ token: '▁Paris', logprob: -0.3, top: [{ token: '▁Paris', logprob: -0.3 }, { token: '▁Lyon', logprob: -2.1 }] }]]);
  });

  it('JSON mode becomes an instruction before the prompt, as a schema does', async () => {
    const server = await start();
    await generate(modelFor(server.url), { method: 'completion', prompt: 'List colors.', jsonMode: true });
    expect(server.requests[0]?.body.input).toBe('Answer with one JSON object, and nothing else.\n\nList colors.');
  });
});

describe('createWatsonx: refusals', () => {
  const chatOf = (params: GenerationParams): ModelRequest => ({ method: 'chat', messages: [{ role: 'user', content: 'hi' }], ...params });
  const completionOf = (params: GenerationParams): ModelRequest => ({ method: 'completion', prompt: 'p', ...params });
  it.each<[string, ModelRequest]>([
    ['top_k', chatOf({ topK: 5 })],
    ['echo', chatOf({ echo: true })],
    ['skip_special_tokens', chatOf({ skipSpecialTokens: false })],
    ['reasoning_effort', chatOf({ reasoningEffort: 'minimal' })],
    ['frequency_penalty', completionOf({ frequencyPenalty: 0.5 })],
    ['logit_bias', completionOf({ logitBias: { '1': 1 } })],
    ['reasoning_effort', completionOf({ reasoningEffort: 'low' })],
    ['tools', completionOf({ tools: [lookup] })],
  ])('refuses %s where the endpoint has none, naming the block field, before any request', async (field, request) => {
    const server = await start();
    const error = await failureOf(generate(modelFor(server.url), request));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field });
    expect((error as Error).message).toMatch(new RegExp(`^watsonx: invalid config at \`${field}\``));
    expect(server.requests).toEqual([]);
  });
});
