import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { ChatMessage, GenerationParams } from '../../lib/model/language-model.ts';
import { createOllamaNative } from '../../lib/providers/ollama-native/ollama-native-model.ts';
import { failureOf, generate, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { type FixtureRequest, startHttpFixture } from '../helpers/servers/http-fixture.ts';

useUnsetEnvironment(['OLLAMA_HOST']);

/** An Ollama stand-in whose chat answer is `message` (with usage), and whose answers carry `extra` fields. */
const start = useServers((answer: { message?: unknown; response?: string; logprobs?: unknown } = { message: { role: 'assistant', content: 'ok' } }) =>
  startHttpFixture({
    handle: (request: FixtureRequest) => ({
      status: 200,
      body: { model: request.body?.model, done: true, done_reason: 'stop', prompt_eval_count: 3, eval_count: 2, ...answer },
    }),
  }),
);

const parameters = { type: 'object', properties: { city: { type: 'string' } } };
const lookup = { type: 'function', function: { name: 'lookup', parameters } } as const;

describe('createOllamaNative: DGT parameters and tools', () => {
  it('sends tools, and a conversation of tool calls (arguments as objects) and results named after their tool', async () => {
    const server = await start({ message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'lookup', arguments: { city: 'Paris' } } }] } });
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Where is the Louvre?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c0', type: 'function', function: { name: 'lookup', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', content: 'found', tool_call_id: 'c0' },
    ];
    const model = createOllamaNative({ modelId: 'test-model', baseURL: server.url, headers: { 'x-proxy': 'p-1' } });
    const result = await generate(model, { method: 'chat', messages, tools: [lookup], toolChoice: 'auto' });

    expect(server.requests[0]?.headers['x-proxy']).toBe('p-1');
    expect(server.requests[0]?.body).toEqual({
      model: 'test-model',
      stream: false,
      messages: [
        { role: 'user', content: 'Where is the Louvre?' },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'lookup', arguments: { city: 'Paris' } } }] },
        { role: 'tool', content: 'found', tool_name: 'lookup' },
      ],
      tools: [lookup],
    });
    expect(result).toEqual({
      texts: [''],
      toolCalls: [[{ id: 'call_0', name: 'lookup', arguments: { city: 'Paris' } }]],
      finishReason: 'stop',
      usage: { promptTokens: 3, completionTokens: 2 },
    });
  });

  it('sends top_k and the penalties as options, logprobs, think and JSON mode at the top, extra_body last; reads logprobs back', async () => {
    const logprobs = [{ token: 'ok', logprob: -0.2, bytes: [111, 107], top_logprobs: [{ token: 'ok', logprob: -0.2 }, { token: 'no', logprob: -1.8 }] }];
    const server = await start({ response: 'ok', logprobs });
    const model = createOllamaNative({ modelId: 'test-model', baseURL: server.url });
    const result = await generate(model, {
      method: 'completion',
      prompt: 'Q:',
      continuation: ' A:',
      topK: 40,
      frequencyPenalty: 0.3,
      presencePenalty: 0.4,
      logprobs: true,
      topLogprobs: 2,
      reasoningEffort: 'none',
      jsonMode: true,
      extraBody: { keep_alive: '5m' },
    });
    expect(server.requests[0]?.body).toEqual({
      model: 'test-model',
      prompt: 'Q: A:',
      stream: false,
      options: { top_k: 40, frequency_penalty: 0.3, presence_penalty: 0.4 },
      format: 'json',
      think: false,
      logprobs: true,
      top_logprobs: 2,
      keep_alive: '5m',
    });
    expect(result.logprobs).toEqual([[{ token: 'ok', logprob: -0.2, top: [{ token: 'ok', logprob: -0.2 }, { token: 'no', logprob: -1.8 }] }]]);
  });

  it('`tool_choice: none` sends no tools', async () => {
    const server = await start();
    await generate(createOllamaNative({ modelId: 'test-model', baseURL: server.url }), { method: 'chat', messages: [{ role: 'user', content: 'hi' }], tools: [lookup], toolChoice: 'none' });
    expect(server.requests[0]?.body.tools).toBeUndefined();
  });

  it.each<[string, GenerationParams]>([
    ['logit_bias', { logitBias: { '1': 5 } }],
    ['echo', { echo: true }],
    ['skip_special_tokens', { skipSpecialTokens: false }],
    ['reasoning_effort', { reasoningEffort: 'max' }],
    ['tool_choice', { tools: [lookup], toolChoice: 'required' }],
    ['tool_choice', { tools: [lookup], toolChoice: { type: 'function', function: { name: 'lookup' } } }],
  ])('refuses %s, naming the block field, before any request', async (field, params) => {
    const server = await start();
    const error = await failureOf(generate(createOllamaNative({ modelId: 'test-model', baseURL: server.url }), { method: 'chat', messages: [{ role: 'user', content: 'hi' }], ...params }));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field });
    expect((error as Error).message).toMatch(new RegExp(`^ollama: invalid config at \`${field}\``));
    expect(server.requests).toEqual([]);
  });

  it('refuses tools on a completion request', async () => {
    const server = await start();
    const error = await failureOf(generate(createOllamaNative({ modelId: 'test-model', baseURL: server.url }), { method: 'completion', prompt: 'p', tools: [lookup] }));
    expect(error).toMatchObject({ field: 'tools' });
  });
});
