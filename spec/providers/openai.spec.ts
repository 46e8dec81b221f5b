import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { ChatMessage, ModelRequest } from '../../lib/model/language-model.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import type { TestServer } from '../../lib/testing/test-server.ts';
import { failureOf, generate, useServers } from '../helpers/provider-spec.ts';
import { startHttpFixture } from '../helpers/servers/http-fixture.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const start = useTestServers();

function modelFor(server: TestServer, headers?: Record<string, string>) {
  return createOpenAI({ modelId: 'test-model', baseURL: server.baseURL, apiKey: 'k', ...(headers ? { headers } : {}) });
}

const lookup = { type: 'function', function: { name: 'lookup', description: 'Finds a city.', parameters: { type: 'object', properties: { city: { type: 'string' } } } } } as const;

describe('createOpenAI: DGT parameters on the wire', () => {
  it('sends every chat parameter under OpenAI\'s (and vLLM\'s) name, extra_body last, and the default headers', async () => {
    const server = await start({ respond: () => 'ok' });
    await generate(modelFor(server, { 'x-team': 'red' }), {
      method: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
      frequencyPenalty: 0.5,
      presencePenalty: -0.5,
      logitBias: { '50256': -100 },
      logprobs: true,
      topLogprobs: 2,
      topK: 40,
      skipSpecialTokens: false,
      echo: true,
      reasoningEffort: 'low',
      jsonMode: true,
      extraBody: { chat_template_kwargs: { thinking: false }, top_k: 5 },
    });
    const [request] = server.requests;
    expect(request?.headers['x-team']).toBe('red');
    expect(request?.body).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'hi' }],
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      logit_bias: { '50256': -100 },
      logprobs: true,
      top_logprobs: 2,
      top_k: 5,
      skip_special_tokens: false,
      echo: true,
      reasoning_effort: 'low',
      response_format: { type: 'json_object' },
      chat_template_kwargs: { thinking: false },
      stream: false,
    });
  });

  it('a completion asks for logprobs with a count, appends the continuation, and reads the legacy logprobs back', async () => {
    const logprobs = [
      { token: ' Paris', logprob: -0.25, top: [{ token: ' Paris', logprob: -0.25 }, { token: ' Lyon', logprob: -2 }] },
      { token: '.', logprob: -0.5 },
    ];
    const server = await start({ respond: () => ({ content: ' Paris.', logprobs }) });
    const result = await generate(modelFor(server), { method: 'completion', prompt: 'Q: capital of France?', continuation: '\nA:', logprobs: true, topLogprobs: 2, echo: true });
    expect(server.requests[0]?.body).toEqual({ model: 'test-model', prompt: 'Q: capital of France?\nA:', logprobs: 2, echo: true, stream: false });
    expect(result.texts).toEqual([' Paris.']);
    expect(result.logprobs).toEqual([
      [
        { token: ' Paris', logprob: -0.25, top: [{ token: ' Paris', logprob: -0.25 }, { token: ' Lyon', logprob: -2 }] },
        { token: '.', logprob: -0.5 },
      ],
    ]);
    expect(result.toolCalls).toBeUndefined();
  });

  it('a batch of completions splits the log probabilities by prompt', async () => {
    const server = await start({ respond: (_request, _index, choice) => ({ content: `a${choice}`, logprobs: [{ token: `a${choice}`, logprob: -1 - choice }] }) });
    const model = modelFor(server);
    const results = await model.doGenerateBatch!(
      [
        { method: 'completion', prompt: 'one', logprobs: true },
        { method: 'completion', prompt: 'two', logprobs: true },
      ],
      { signal: new AbortController().signal },
    );
    expect(server.requests[0]?.body.prompt).toEqual(['one', 'two']);
    expect(results.map((result) => result.logprobs)).toEqual([[[{ token: 'a0', logprob: -1 }]], [[{ token: 'a1', logprob: -2 }]]]);
  });

  it('chat logprobs come back per answer token, with the alternatives asked for', async () => {
    const server = await start({ respond: (_request, _index, choice) => ({ content: `x${choice}`, logprobs: [{ token: `x${choice}`, logprob: -0.1, top: [{ token: 'y', logprob: -3 }] }] }) });
    const result = await generate(modelFor(server), { method: 'chat', messages: [{ role: 'user', content: 'hi' }], n: 2, logprobs: true, topLogprobs: 1 });
    expect(result.logprobs).toEqual([[{ token: 'x0', logprob: -0.1, top: [{ token: 'y', logprob: -3 }] }], [{ token: 'x1', logprob: -0.1, top: [{ token: 'y', logprob: -3 }] }]]);
  });
});

describe('createOpenAI: tool calling', () => {
  it('sends tools, the tool choice and a conversation of tool calls and results; parses the calls of the answer', async () => {
    const server = await start({
      respond: () => ({
        toolCalls: [
          { id: 'call_a', name: 'lookup', arguments: '{"city":"Paris"}' },
          { id: 'call_b', name: 'lookup', arguments: 'city=Lyon' },
          { id: 'call_c', name: 'lookup', arguments: '[1, 2]' },
        ],
      }),
    });
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Where is the Louvre?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'lookup', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '{"found":true}', tool_call_id: 'call_0' },
    ];
    const result = await generate(modelFor(server), { method: 'chat', messages, tools: [lookup], toolChoice: { type: 'function', function: { name: 'lookup' } } });

    expect(server.requests[0]?.body).toEqual({
      model: 'test-model',
      messages: [
        { role: 'user', content: 'Where is the Louvre?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'lookup', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: '{"found":true}', tool_call_id: 'call_0' },
      ],
      tools: [lookup],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      stream: false,
    });
    expect(result).toMatchObject({ texts: [''], finishReason: 'tool_calls' });
    expect(result.toolCalls).toEqual([
      [
        { id: 'call_a', name: 'lookup', arguments: { city: 'Paris' } },
        { id: 'call_b', name: 'lookup', arguments: {}, unparsedArguments: 'city=Lyon' },
        { id: 'call_c', name: 'lookup', arguments: {}, unparsedArguments: '[1, 2]' },
      ],
    ]);
  });

  it('an answer without calls has no toolCalls; a tool choice without tools is not sent', async () => {
    const server = await start({ respond: () => 'plain' });
    const result = await generate(modelFor(server), { method: 'chat', messages: [{ role: 'user', content: 'hi' }], toolChoice: 'required' });
    expect(server.requests[0]?.body).toEqual({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(result).toEqual({ texts: ['plain'], finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } });
  });

  it.each<[string, ModelRequest, string]>([
    ['tools', { method: 'completion', prompt: 'p', tools: [lookup] }, 'tools'],
    ['a reasoning effort', { method: 'completion', prompt: 'p', reasoningEffort: 'high' }, 'reasoning_effort'],
  ])('refuses %s on a completion request, naming the block field, before any request', async (_what, request, field) => {
    const server = await start();
    const error = await failureOf(generate(modelFor(server), request));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field });
    expect((error as Error).message).toMatch(new RegExp(`^openai: invalid config at \`${field}\`: not supported on a completion request`));
    expect(server.requests).toEqual([]);
  });
});

describe('createOpenAI: the wire', () => {
  const startFixture = useServers(startHttpFixture);

  it('an answer without `choices` is a clear, non-retryable error naming the URL', async () => {
    const fixture = await startFixture({ handle: () => ({ status: 200, body: { object: 'list', data: [] } }) });
    const model = createOpenAI({ modelId: 'm', baseURL: `${fixture.url}/v1`, apiKey: 'k' });
    const error = await failureOf(generate(model, { method: 'chat', messages: [{ role: 'user', content: 'hi' }] }));
    expect(error).toMatchObject({ isRetryable: false, message: `${fixture.url}/v1/chat/completions answered without \`choices\`: not an OpenAI chat answer` });
  });

  it('sends the key as a bearer token; a block header of another letter case replaces it rather than going twice; OPENAI_ORG_ID and OPENAI_PROJECT_ID go as the SDK sends them', async () => {
    vi.stubEnv('OPENAI_ORG_ID', 'org-1');
    vi.stubEnv('OPENAI_PROJECT_ID', 'proj-1');
    try {
      const fixture = await startFixture({ handle: () => ({ status: 200, body: { choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] } }) });
      const plain = createOpenAI({ modelId: 'm', baseURL: `${fixture.url}/v1`, apiKey: 'k1' });
      const custom = createOpenAI({ modelId: 'm', baseURL: `${fixture.url}/v1`, apiKey: 'k2', headers: { Authorization: 'Token other', 'X-Team': 'a' } });
      expect((await generate(plain, { method: 'chat', messages: [{ role: 'user', content: 'hi' }] })).texts).toEqual(['ok']);
      await generate(custom, { method: 'chat', messages: [{ role: 'user', content: 'hi' }] });
      expect(fixture.requests[0]!.headers).toMatchObject({ authorization: 'Bearer k1', 'openai-organization': 'org-1', 'openai-project': 'proj-1' });
      expect(fixture.requests[1]!.headers).toMatchObject({ authorization: 'Token other', 'x-team': 'a' });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
