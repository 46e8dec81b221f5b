import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it, vi } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { credentialId } from '../../lib/model/credential-id.ts';
import type { LanguageModel } from '../../lib/model/language-model.ts';
import { type AnthropicSettings, createAnthropic } from '../../lib/providers/anthropic/anthropic-model.ts';
import { chat, describeConnectionContract, everythingOf, failureOf, generate, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { type AnthropicServer, type AnthropicServerOptions, startAnthropicServer } from '../helpers/servers/anthropic-server.ts';

const apiKey = 'sk-ant-secret-key-0123456789abcdef';
const modelId = 'claude-test';
useUnsetEnvironment(['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_CUSTOM_HEADERS', 'ANTHROPIC_LOG', 'ANTHROPIC_PROFILE']);
const start = useServers((options: AnthropicServerOptions = {}) => startAnthropicServer({ apiKey, ...options }));

function modelFor(server: AnthropicServer, settings: Partial<AnthropicSettings> = {}): LanguageModel {
  return createAnthropic({ modelId, baseURL: server.url, apiKey, ...settings });
}

const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };

describe('createAnthropic: wire format', () => {
  it('lifts system messages into `system`, maps stop and maxTokens, and sends the key and the API version', async () => {
    const server = await start();
    const result = await generate(modelFor(server), {
      method: 'chat',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Name a capital city' },
        { role: 'assistant', content: 'Paris' },
        { role: 'system', content: 'Answer in English.' },
        { role: 'user', content: 'Another one' },
      ],
      maxTokens: 64,
      stop: ['\n\n'],
      providerOptions: { metadata: { user_id: 'u-1' } },
    });

    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(request?.headers['anthropic-version']).toBe('2026-10-21');
    expect(request?.body).toEqual({
      model: modelId,
      max_tokens: 64,
      system: 'Be brief.\n\nAnswer in English.',
      messages: [
        { role: 'user', content: 'Name a capital city' },
        { role: 'assistant', content: 'Paris' },
        { role: 'user', content: 'Another one' },
      ],
      stop_sequences: ['\n\n'],
      metadata: { user_id: 'u-1' },
    });
    expect(result).toEqual({ texts: ['answer 0'], finishReason: 'end_turn', usage: { promptTokens: 12, completionTokens: 2 } });
  });

  it('sends `defaultMaxTokens` when a request sets none, 1024 unless configured', async () => {
    const server = await start();
    await generate(modelFor(server), chat('hi'));
    await generate(modelFor(server, { defaultMaxTokens: 2048 }), chat('hi'));
    await generate(modelFor(server, { defaultMaxTokens: 2048 }), chat('hi', { maxTokens: 5 }));
    expect(server.requests.map((request) => request.body.max_tokens)).toEqual([1024, 2048, 5]);
  });

  it('sends no sampling parameters and no seed on API version 2026-10-21, which refuses them', async () => {
    const server = await start();
    const result = await generate(modelFor(server), chat('hi', { temperature: 0.7, topP: 0.9, seed: 42, n: 1 }));
    expect(result.texts).toEqual(['answer 0']);
    expect(server.requests[0]?.body).toEqual({ model: modelId, max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('sends temperature and top_p to an earlier API version when one is configured', async () => {
    const server = await start();
    await generate(modelFor(server, { apiVersion: '2023-06-01' }), chat('hi', { temperature: 0.7, topP: 0.9 }));
    const [request] = server.requests;
    expect(request?.headers['anthropic-version']).toBe('2023-06-01');
    expect(request?.body).toMatchObject({ temperature: 0.7, top_p: 0.9 });
  });

  it('sends a completion prompt as one user message', async () => {
    const server = await start();
    const result = await generate(modelFor(server), { method: 'completion', prompt: 'Q: the capital of France?\nA:', maxTokens: 16 });
    expect(server.requests[0]?.body).toEqual({ model: modelId, max_tokens: 16, messages: [{ role: 'user', content: 'Q: the capital of France?\nA:' }] });
    expect(result.texts).toEqual(['answer 0']);
  });

  it('reports a stop sequence as the finish reason', async () => {
    const server = await start({ respond: () => 'Paris.\n\nLyon.' });
    const result = await generate(modelFor(server), chat('hi', { stop: ['\n\n'] }));
    expect(result).toMatchObject({ texts: ['Paris.'], finishReason: 'stop_sequence' });
  });

  it('forces a tool named after a response format, and answers with the tool input as JSON', async () => {
    const server = await start({ respondTool: () => ({ answer: 'Paris' }) });
    const result = await generate(modelFor(server), chat('Name a capital', { responseFormat: { name: 'qa', schema } }));

    const body = server.requests[0]?.body;
    expect(body.tools).toEqual([{ name: 'qa', description: "Give the answer as this tool's input.", input_schema: schema }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'qa' });
    expect(result).toEqual({ texts: ['{"answer":"Paris"}'], finishReason: 'tool_use', usage: { promptTokens: 3, completionTokens: 1 } });
  });

  it('refuses n > 1 before any request: the API makes one answer per request', async () => {
    const server = await start();
    const error = await failureOf(generate(modelFor(server), chat('hi', { n: 3 })));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field: 'n' });
    expect((error as Error).message).toBe('anthropic: invalid config at `n`: expected 1 (the Messages API makes one answer per request), received 3');
    expect(server.requests).toHaveLength(0);
  });

  it('hands the rate-limit headers of an answer to admission control', async () => {
    const server = await start({ answerHeaders: { 'anthropic-ratelimit-requests-remaining': '49', 'anthropic-ratelimit-tokens-limit': '80000', 'request-id': 'r' } });
    const result = await generate(modelFor(server), chat('hi'));
    expect(result.headers).toEqual({ 'anthropic-ratelimit-requests-remaining': '49', 'anthropic-ratelimit-tokens-limit': '80000' });
  });

  it('names the endpoint, and the key only by its credential id; reads key and base URL from the environment', async () => {
    const server = await start();
    vi.stubEnv('ANTHROPIC_API_KEY', apiKey);
    vi.stubEnv('ANTHROPIC_BASE_URL', `${server.url}/`);
    const model = createAnthropic({ modelId });
    expect(model).toMatchObject({ specificationVersion: 'v1', provider: 'anthropic', modelId, endpoint: server.url, credential: credentialId(apiKey) });
    expect(JSON.stringify(model)).not.toContain(apiKey);
    expect((await generate(model, chat('hi'))).texts).toEqual(['answer 0']);
  });
});

describe('createAnthropic: errors', () => {
  it('maps a refused key to a 401 that is not retryable and does not show the key', async () => {
    const server = await start();
    const wrongKey = 'sk-ant-wrong-key-fedcba9876543210';
    const error = await failureOf(generate(modelFor(server, { apiKey: wrongKey }), chat('hi')));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 401, isRetryable: false, url: `${server.url}/v1/messages` });
    expect((error as Error).message).toBe(`${server.url}/v1/messages answered 401: authentication_error: invalid x-api-key`);
    expect(everythingOf(error)).not.toContain(wrongKey);
  });

  it('maps a 429 to a retryable error with Retry-After in ms and the rate-limit headers', async () => {
    const server = await start({
      fault: () => ({ status: 429, retryAfterSeconds: 7, message: 'Number of requests has exceeded your rate limit', headers: { 'anthropic-ratelimit-requests-remaining': '0' } }),
    });
    const error = await failureOf(generate(modelFor(server), chat('hi')));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 429, isRetryable: true, retryAfterMs: 7000, headers: { 'anthropic-ratelimit-requests-remaining': '0' } });
    expect((error as Error).message).toBe(`${server.url}/v1/messages answered 429: rate_limit_error: Number of requests has exceeded your rate limit`);
  });

  it('marks 500 and 529 (overloaded) retryable, and a refused request not', async () => {
    const server = await start({ fault: (_request, index) => ({ status: index === 0 ? 500 : 529, message: index === 0 ? 'Internal server error' : 'Overloaded' }) });
    const serverError = await failureOf(generate(modelFor(server), chat('hi')));
    const overloaded = await failureOf(generate(modelFor(server), chat('hi')));
    expect(serverError).toMatchObject({ statusCode: 500, isRetryable: true });
    expect(overloaded).toMatchObject({ statusCode: 529, isRetryable: true });
    expect((overloaded as Error).message).toBe(`${server.url}/v1/messages answered 529: overloaded_error: Overloaded`);

    const refused = await failureOf(generate(modelFor(server, { apiVersion: '2099-01-01' }), chat('hi')));
    expect(refused).toMatchObject({ statusCode: 400, isRetryable: false });
    expect((refused as Error).message).toContain('invalid_request_error: anthropic-version: unknown version 2099-01-01');
  });

  it('keeps the key out of an error even when the service echoes it', async () => {
    const server = await start({ fault: (request) => ({ status: 400, message: `bad request from ${String(request.headers.authorization)}` }) });
    const error = await failureOf(generate(modelFor(server), chat('hi')));
    expect((error as Error).message).toContain('bad request from Bearer [redacted]');
    expect(everythingOf(error)).not.toContain(apiKey);
  });
});

describeConnectionContract('createAnthropic', {
  start,
  modelFor,
  request: chat('hi'),
  url: (server) => `${server.url}/v1/messages`,
  expectAbort: (error) => expect(error).toBeInstanceOf(Anthropic.APIUserAbortError),
  probe: 'GET /v1/models',
});

describe('createAnthropic: settings', () => {
  it('refuses a missing key at creation, naming ANTHROPIC_API_KEY, before any request', async () => {
    const server = await start();
    vi.stubEnv('ANTHROPIC_API_KEY', ' ');
    vi.stubEnv('ANTHROPIC_AUTH_TOKEN', 'a-token-is-not-an-api-key');
    const error = await failureOf((async () => createAnthropic({ modelId, baseURL: server.url }))());
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field: 'api_key' });
    expect((error as Error).message).toContain('ANTHROPIC_API_KEY');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses malformed settings at creation', () => {
    expect(() => createAnthropic({ modelId: '', apiKey })).toThrow(/anthropic: invalid config at `modelId`/);
    expect(() => createAnthropic({ modelId, apiKey, defaultMaxTokens: 0 })).toThrow(/anthropic: invalid config at `defaultMaxTokens`/);
    expect(() => createAnthropic({ modelId, apiKey, apiVersion: 'latest' })).toThrow(/anthropic: invalid config at `apiVersion`/);
  });
});
