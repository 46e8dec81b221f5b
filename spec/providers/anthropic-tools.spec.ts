import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { ChatMessage, GenerationParams, LanguageModel } from '../../lib/model/language-model.ts';
import { type AnthropicSettings, createAnthropic } from '../../lib/providers/anthropic/anthropic-model.ts';
import { failureOf, generate, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { type AnthropicServer, type AnthropicServerOptions, startAnthropicServer } from '../helpers/servers/anthropic-server.ts';

const apiKey = 'sk-ant-secret-key-0123456789abcdef';
useUnsetEnvironment(['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_CUSTOM_HEADERS', 'ANTHROPIC_LOG', 'ANTHROPIC_PROFILE']);
const start = useServers((options: AnthropicServerOptions = {}) => startAnthropicServer({ apiKey, ...options }));

function modelFor(server: AnthropicServer, settings: Partial<AnthropicSettings> = {}): LanguageModel {
  return createAnthropic({ modelId: 'claude-test', baseURL: server.url, apiKey, ...settings });
}

const parameters = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const lookup = { type: 'function', function: { name: 'lookup', description: 'Finds a city.', parameters } } as const;

describe('createAnthropic: tool calling', () => {
  it('sends tools with an input_schema, `required` as `any`, tool calls as tool_use and their results as one user turn of tool_result blocks', async () => {
    const server = await start({ respond: () => 'Both are in Paris.' });
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Use the tools.' },
      { role: 'user', content: 'Where are the Louvre and Orsay?' },
      {
        role: 'assistant',
        content: 'Looking them up.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'lookup', arguments: { city: 'Paris' } } },
        ],
      },
      { role: 'tool', content: 'Louvre: Paris', tool_call_id: 'toolu_1' },
      { role: 'tool', content: 'Orsay: Paris', tool_call_id: 'toolu_2' },
    ];
    const result = await generate(modelFor(server), { method: 'chat', messages, tools: [lookup], toolChoice: 'required', maxTokens: 32 });

    expect(server.requests[0]?.body).toEqual({
      model: 'claude-test',
      max_tokens: 32,
      system: 'Use the tools.',
      messages: [
        { role: 'user', content: 'Where are the Louvre and Orsay?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Looking them up.' },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'lookup', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'Louvre: Paris' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'Orsay: Paris' },
          ],
        },
      ],
      tools: [{ name: 'lookup', description: 'Finds a city.', input_schema: parameters }],
      tool_choice: { type: 'any' },
    });
    expect(result.texts).toEqual(['Both are in Paris.']);
    expect(result.toolCalls).toBeUndefined();
  });

  it('a named tool choice forces that tool; its tool_use comes back as a tool call with an object of arguments', async () => {
    const server = await start({ respondTool: () => ({ city: 'Lyon' }) });
    const result = await generate(modelFor(server), {
      method: 'chat',
      messages: [{ role: 'user', content: 'Find Lyon' }],
      tools: [lookup],
      toolChoice: { type: 'function', function: { name: 'lookup' } },
    });
    expect(server.requests[0]?.body.tool_choice).toEqual({ type: 'tool', name: 'lookup' });
    expect(result).toMatchObject({ texts: [''], finishReason: 'tool_use', toolCalls: [[{ id: 'toolu_test_0', name: 'lookup', arguments: { city: 'Lyon' } }]] });
  });

  it('sends top_k with the sampling parameters, reasoning_effort as output_config.effort, and extra_body last', async () => {
    const server = await start();
    await generate(modelFor(server, { apiVersion: '2023-06-01' }), {
      method: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      topK: 20,
      reasoningEffort: 'high',
      jsonMode: true,
      extraBody: { metadata: { user_id: 'u-1' } },
    });
    // JSON mode without a schema has no Anthropic equivalent: left out, as DGT does.
    expect(server.requests[0]?.body).toEqual({
      model: 'claude-test',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      top_k: 20,
      output_config: { effort: 'high' },
      metadata: { user_id: 'u-1' },
    });
  });

  it.each<[string, GenerationParams]>([
    ['logprobs', { logprobs: true }],
    ['frequency_penalty', { frequencyPenalty: 0.5 }],
    ['presence_penalty', { presencePenalty: 0.5 }],
    ['logit_bias', { logitBias: { '1': 5 } }],
    ['echo', { echo: true }],
    ['skip_special_tokens', { skipSpecialTokens: false }],
    ['reasoning_effort', { reasoningEffort: 'minimal' }],
  ])('refuses %s, naming the block field, before any request', async (field, params) => {
    const server = await start();
    const error = await failureOf(generate(modelFor(server), { method: 'chat', messages: [{ role: 'user', content: 'hi' }], ...params }));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field });
    expect((error as Error).message).toMatch(new RegExp(`^anthropic: invalid config at \`${field}\``));
    expect(server.requests).toEqual([]);
  });

  it('refuses tools with a response format (itself a forced tool), and tools on a completion', async () => {
    const server = await start();
    const withFormat = await failureOf(
      generate(modelFor(server), { method: 'chat', messages: [{ role: 'user', content: 'hi' }], tools: [lookup], responseFormat: { name: 'qa', schema: parameters } }),
    );
    const onCompletion = await failureOf(generate(modelFor(server), { method: 'completion', prompt: 'p', tools: [lookup] }));
    expect(withFormat).toMatchObject({ field: 'tools' });
    expect(onCompletion).toMatchObject({ field: 'tools' });
    expect(server.requests).toEqual([]);
  });

  it('a completion is one user message of the prompt and its continuation', async () => {
    const server = await start();
    await generate(modelFor(server), { method: 'completion', prompt: 'Q: capital of France?', continuation: '\nA:' });
    expect(server.requests[0]?.body.messages).toEqual([{ role: 'user', content: 'Q: capital of France?\nA:' }]);
  });
});
