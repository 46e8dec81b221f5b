import { describe, expect, it, vi } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { credentialId } from '../../lib/model/credential-id.ts';
import type { LanguageModel } from '../../lib/model/language-model.ts';
import { type AzureOpenAISettings, createAzureOpenAI } from '../../lib/providers/azure-openai/azure-openai-model.ts';
import { chat, describeConnectionContract, everythingOf, failureOf, generate, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { type AzureServer, type AzureServerOptions, startAzureServer } from '../helpers/servers/azure-server.ts';

const apiKey = 'azure-secret-key-0123456789abcdef';
const deployment = 'test-deployment';
useUnsetEnvironment(['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT', 'OPENAI_API_VERSION', 'OPENAI_BASE_URL', 'OPENAI_API_KEY', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID']);
const start = useServers((options: AzureServerOptions = {}) => startAzureServer({ apiKey, deployments: [deployment], ...options }));

function modelFor(server: AzureServer, settings: Partial<AzureOpenAISettings> = {}): LanguageModel {
  return createAzureOpenAI({ endpoint: server.url, deployment, apiKey, ...settings });
}

const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };

describe('createAzureOpenAI: wire format', () => {
  it('sends a chat request to the deployment with the api-version query, the api-key header and every parameter', async () => {
    const server = await start();
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Name a capital city' },
    ] as const;
    const result = await generate(modelFor(server), {
      method: 'chat',
      messages,
      maxTokens: 64,
      temperature: 0.7,
      topP: 0.9,
      stop: ['\n\n'],
      seed: 42,
      n: 2,
      providerOptions: { frequency_penalty: 0.5 },
    });

    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/openai/deployments/${deployment}/chat/completions`);
    expect([...(request?.query.entries() ?? [])]).toEqual([['api-version', '2024-10-21']]);
    expect(request?.headers['api-key']).toBe(apiKey);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toEqual({
      model: deployment,
      messages,
      max_tokens: 64,
      temperature: 0.7,
      top_p: 0.9,
      stop: ['\n\n'],
      seed: 42,
      n: 2,
      frequency_penalty: 0.5,
      stream: false,
    });
    expect(result).toEqual({ texts: ['answer 0.0', 'answer 0.1'], finishReason: 'stop', usage: { promptTokens: 6, completionTokens: 4 } });
  });

  it('sends a completion to the deployment\'s completions path, with the configured api-version', async () => {
    const server = await start({ apiVersions: ['2024-06-01'] });
    const result = await generate(modelFor(server, { apiVersion: '2024-06-01' }), { method: 'completion', prompt: 'Q: the capital of France?', maxTokens: 16 });

    const [request] = server.requests;
    expect(request?.path).toBe(`/openai/deployments/${deployment}/completions`);
    expect(request?.query.get('api-version')).toBe('2024-06-01');
    expect(request?.body).toEqual({ model: deployment, prompt: 'Q: the capital of France?', max_tokens: 16, stream: false });
    expect(result).toEqual({ texts: ['answer 0.0'], finishReason: 'stop', usage: { promptTokens: 5, completionTokens: 2 } });
  });

  it('sends a response format as a strict json_schema', async () => {
    const server = await start({ respond: () => '{"answer":"Paris"}' });
    const result = await generate(modelFor(server), chat('Name a capital', { responseFormat: { name: 'qa', schema } }));
    expect(server.requests[0]?.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'qa', schema, strict: true } });
    expect(result.texts).toEqual(['{"answer":"Paris"}']);
  });

  it('hands the rate-limit headers of an answer to admission control', async () => {
    const server = await start({ answerHeaders: { 'x-ratelimit-remaining-requests': '99', 'x-ratelimit-limit-tokens': '30000', 'x-request-id': 'r1' } });
    const result = await generate(modelFor(server), chat('hi'));
    expect(result.headers).toEqual({ 'x-ratelimit-remaining-requests': '99', 'x-ratelimit-limit-tokens': '30000' });
  });

  it('names the deployment as model and endpoint, and the key only by its credential id', async () => {
    const server = await start();
    const model = modelFor(server, { endpoint: `${server.url}/openai/` });
    expect(model).toMatchObject({
      specificationVersion: 'v1',
      provider: 'azure-openai',
      modelId: deployment,
      endpoint: `${server.url}/openai/deployments/${deployment}`,
      credential: credentialId(apiKey),
    });
    expect(JSON.stringify(model)).not.toContain(apiKey);
    await generate(model, chat('hi'));
    expect(server.requests[0]?.path).toBe(`/openai/deployments/${deployment}/chat/completions`);
  });

  it('reads the endpoint and the key from the environment, and ignores OpenAI\'s own variables', async () => {
    const server = await start();
    vi.stubEnv('AZURE_OPENAI_ENDPOINT', server.url);
    vi.stubEnv('AZURE_OPENAI_API_KEY', apiKey);
    vi.stubEnv('OPENAI_BASE_URL', 'http://127.0.0.1:1/v1');
    vi.stubEnv('OPENAI_ORG_ID', 'org-elsewhere');
    vi.stubEnv('OPENAI_PROJECT_ID', 'proj-elsewhere');
    const model = createAzureOpenAI({ deployment });
    const result = await generate(model, chat('hi'));

    expect(result.texts).toEqual(['answer 0.0']);
    expect(model.credential).toBe(credentialId(apiKey));
    const headers = server.requests[0]?.headers ?? {};
    expect(headers['api-key']).toBe(apiKey);
    expect(headers['openai-organization']).toBeUndefined();
    expect(headers['openai-project']).toBeUndefined();
  });
});

describe('createAzureOpenAI: errors', () => {
  it('maps a refused key to a 401 that is not retryable and does not show the key', async () => {
    const server = await start();
    const wrongKey = 'azure-wrong-key-fedcba9876543210';
    const error = await failureOf(generate(modelFor(server, { apiKey: wrongKey }), chat('hi')));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 401, isRetryable: false, url: `${server.url}/openai/deployments/${deployment}/chat/completions` });
    expect((error as Error).message).toMatch(new RegExp(`^${server.url}/openai/deployments/${deployment}/chat/completions answered 401: Access denied`));
    expect(everythingOf(error)).not.toContain(wrongKey);
  });

  it('maps a 429 to a retryable error with Retry-After in ms and the rate-limit headers', async () => {
    const server = await start({
      fault: (_request, index) =>
        index === 0 ? { status: 429, retryAfterSeconds: 7, message: 'Rate limit is exceeded. Try again in 7 seconds.', headers: { 'x-ratelimit-remaining-requests': '0' } } : undefined,
    });
    const error = await failureOf(generate(modelFor(server), chat('hi')));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 429, isRetryable: true, retryAfterMs: 7000, headers: { 'x-ratelimit-remaining-requests': '0' } });
    expect((error as Error).message).toBe(`${server.url}/openai/deployments/${deployment}/chat/completions answered 429: Rate limit is exceeded. Try again in 7 seconds.`);
  });

  it('prefers the exact retry-after-ms that Azure sends', async () => {
    const server = await start({ fault: () => ({ status: 429, retryAfterSeconds: 2, headers: { 'retry-after-ms': '1500' } }) });
    const error = await failureOf(generate(modelFor(server), chat('hi')));
    expect(error).toMatchObject({ statusCode: 429, retryAfterMs: 1500 });
  });

  it('marks a 500 retryable and a missing deployment not, naming the code', async () => {
    const server = await start({ fault: () => ({ status: 500 }) });
    const serverError = await failureOf(generate(modelFor(server), chat('hi')));
    expect(serverError).toMatchObject({ statusCode: 500, isRetryable: true, retryAfterMs: undefined });

    const missing = await failureOf(generate(modelFor(server, { deployment: 'no-such-deployment' }), { method: 'completion', prompt: 'p' }));
    expect(missing).toMatchObject({ statusCode: 404, isRetryable: false });
    expect((missing as Error).message).toContain('/openai/deployments/no-such-deployment/completions answered 404: DeploymentNotFound: The API deployment');
  });

  it('keeps the key out of an error even when the service echoes it', async () => {
    const server = await start({ fault: (request) => ({ status: 400, message: `bad request from key ${String(request.headers['api-key'])}` }) });
    const error = await failureOf(generate(modelFor(server), chat('hi')));
    expect((error as Error).message).toContain('bad request from key [redacted]');
    expect(everythingOf(error)).not.toContain(apiKey);
  });
});

describeConnectionContract('createAzureOpenAI', {
  start,
  modelFor,
  request: chat('hi'),
  url: (server) => `${server.url}/openai/deployments/${deployment}/chat/completions`,
  expectAbort: (error) => expect(error).toMatchObject({ name: 'AbortError' }),
  probe: 'GET /openai/models?api-version=2024-10-21',
});

describe('createAzureOpenAI: settings', () => {
  it('refuses a missing key at creation, naming AZURE_OPENAI_API_KEY, before any request', async () => {
    const server = await start();
    vi.stubEnv('AZURE_OPENAI_API_KEY', '');
    const error = await failureOf((async () => createAzureOpenAI({ endpoint: server.url, deployment }))());
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field: 'api_key' });
    expect((error as Error).message).toContain('AZURE_OPENAI_API_KEY');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a missing endpoint naming `base_url`, and a missing deployment naming `model_id_or_path`', () => {
    const noEndpoint = (() => {
      try {
        createAzureOpenAI({ deployment, apiKey });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(ConfigError.isInstance(noEndpoint)).toBe(true);
    expect(noEndpoint).toMatchObject({ field: 'base_url' });
    expect((noEndpoint as Error).message).toContain('`base_url`');
    expect(() => createAzureOpenAI({ endpoint: 'https://r.openai.azure.com', deployment: ' ', apiKey })).toThrow(/`model_id_or_path`/);
    expect(() => createAzureOpenAI({ endpoint: 'r.openai.azure.com', deployment, apiKey })).toThrow(/invalid config at `base_url`: expected an http\(s\) URL/);
  });

  it('refuses a malformed api version at creation', () => {
    expect(() => createAzureOpenAI({ endpoint: 'https://r.openai.azure.com', deployment, apiKey, apiVersion: 'latest' })).toThrow(
      /azure-openai: invalid config at `apiVersion`/,
    );
  });
});

describe('createAzureOpenAI: DGT parameters and tools', () => {
  const lookup = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { city: { type: 'string' } } } } } as const;

  it('sends penalties, logprobs, tools and the default headers as OpenAI does', async () => {
    const server = await start({ respond: () => 'ok' });
    await generate(modelFor(server, { headers: { 'x-ms-client-request-id': 'run-1' } }), {
      ...chat('hi'),
      frequencyPenalty: 0.5,
      logprobs: true,
      topLogprobs: 3,
      tools: [lookup],
      toolChoice: 'required',
      extraBody: { user: 'u-1' },
    });
    const [request] = server.requests;
    expect(request?.headers['x-ms-client-request-id']).toBe('run-1');
    expect(request?.body).toEqual({
      model: deployment,
      messages: [{ role: 'user', content: 'hi' }],
      frequency_penalty: 0.5,
      logprobs: true,
      top_logprobs: 3,
      tools: [lookup],
      tool_choice: 'required',
      user: 'u-1',
      stream: false,
    });
  });

  it.each([
    ['top_k', { topK: 40 }],
    ['skip_special_tokens', { skipSpecialTokens: false }],
  ] as const)('refuses %s, naming the block field, before any request', async (field, params) => {
    const server = await start();
    const error = await failureOf(generate(modelFor(server), chat('hi', params)));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field });
    expect((error as Error).message).toMatch(new RegExp(`^azure-openai: invalid config at \`${field}\`: not supported`));
    expect(server.requests).toEqual([]);
  });

  it('keeps a default header\'s value out of an error even when the service echoes it', async () => {
    const token = 'proxy-token-0123456789';
    const server = await start({ fault: (request) => ({ status: 400, message: `bad proxy token ${String(request.headers['x-proxy-token'])}` }) });
    const error = await failureOf(generate(modelFor(server, { headers: { 'x-proxy-token': token } }), chat('hi')));
    expect((error as Error).message).toContain('bad proxy token [redacted]');
    expect(everythingOf(error)).not.toContain(token);
  });
});
