import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { credentialId } from '../../lib/model/credential-id.ts';
import type { LanguageModel } from '../../lib/model/language-model.ts';
import { type WatsonxSettings, createWatsonx, watsonxMaxConcurrency } from '../../lib/providers/watsonx/watsonx-model.ts';
import { chat, describeConnectionContract, everythingOf, failureOf, generate, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { type WatsonxServer, type WatsonxServerOptions, startWatsonxServer } from '../helpers/servers/watsonx-server.ts';
import { waitFor } from '../helpers/wait-for.ts';

const apiKey = 'sk-secret-watsonx-key-0123456789';
const projectId = 'test-project';
useUnsetEnvironment(['WATSONX_API_KEY', 'WATSONX_API_TOKEN', 'WATSONX_PROJECT_ID', 'WATSONX_API_URL', 'WATSONX_IAM_URL']);
const start = useServers((options: WatsonxServerOptions = {}) => startWatsonxServer({ apiKey, projectId, ...options }));

function modelFor(server: WatsonxServer, settings: Partial<WatsonxSettings> = {}): LanguageModel {
  return createWatsonx({ modelId: 'ibm/granite-test', apiKey, projectId, apiUrl: server.url, iamUrl: server.url, ...settings });
}

/** A clock the client and the server share, moved by hand. */
function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let time = start;
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };

describe('createWatsonx: wire format', () => {
  it('sends a chat request with every parameter, the version query and the bearer token, and maps the answer', async () => {
    const server = await start();
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Name a capital city' },
    ] as const;
    const result = await generate(modelFor(server), { method: 'chat', messages, maxTokens: 64, temperature: 0.7, topP: 0.9, stop: ['\n\n'], seed: 42, n: 2 });

    const [request] = server.apiRequests;
    expect(request?.path).toBe('/ml/v1/text/chat');
    expect(request?.query.get('version')).toBe('2024-05-01');
    expect(request?.headers.authorization).toBe('Bearer test-token-1');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({
      model_id: 'ibm/granite-test',
      project_id: projectId,
      messages,
      max_tokens: 64,
      temperature: 0.7,
      top_p: 0.9,
      stop: ['\n\n'],
      seed: 42,
      n: 2,
    });
    expect(result).toEqual({ texts: ['answer 0.0', 'answer 0.1'], finishReason: 'stop', usage: { promptTokens: 6, completionTokens: 4 } });
  });

  it('sends a completion as text generation with sampling parameters, and maps results[0]', async () => {
    const server = await start();
    const result = await generate(modelFor(server, { apiVersion: '2025-02-11' }), {
      method: 'completion',
      prompt: 'Q: the capital of France?',
      maxTokens: 32,
      temperature: 0.5,
      topP: 0.8,
      stop: ['\n'],
      seed: 7,
    });

    const [request] = server.apiRequests;
    expect(request?.path).toBe('/ml/v1/text/generation');
    expect(request?.query.get('version')).toBe('2025-02-11');
    expect(request?.body).toEqual({
      model_id: 'ibm/granite-test',
      project_id: projectId,
      input: 'Q: the capital of France?',
      parameters: { decoding_method: 'sample', max_new_tokens: 32, temperature: 0.5, top_p: 0.8, stop_sequences: ['\n'], random_seed: 7 },
    });
    expect(result).toEqual({ texts: ['answer 0.0'], finishReason: 'eos_token', usage: { promptTokens: 5, completionTokens: 2 } });
  });

  it('selects greedy decoding at a temperature of 0 or less, and greedy chat asks for one answer', async () => {
    const server = await start();
    const model = modelFor(server);
    await generate(model, { method: 'completion', prompt: 'p', temperature: 0 });
    await generate(model, { method: 'completion', prompt: 'p', temperature: 0.2 });
    await generate(model, { method: 'completion', prompt: 'p', temperature: 0, n: 3 });
    const greedyChat = await generate(model, chat('hi', { temperature: 0, n: 3 }));
    const sampledChat = await generate(model, chat('hi', { temperature: 1, n: 3 }));

    const [greedy, sampled, greedyMany, chatGreedy, chatSampled] = server.apiRequests.map((request) => request.body);
    expect(greedy.parameters.decoding_method).toBe('greedy');
    expect(sampled.parameters.decoding_method).toBe('sample');
    expect(greedyMany.parameters).toEqual({ decoding_method: 'greedy', temperature: 0 });
    expect(chatGreedy.n).toBe(1);
    expect(greedyChat.texts).toHaveLength(1);
    expect(chatSampled.n).toBe(3);
    expect(sampledChat.texts).toHaveLength(3);
  });

  it('refuses sampled n > 1 for text generation, which has no n, before any request', async () => {
    const server = await start();
    const error = await failureOf(generate(modelFor(server), { method: 'completion', prompt: 'p', temperature: 0.7, n: 2 }));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).message).toMatch(/`n`.*expected 1.*received 2/);
    expect(server.requests).toHaveLength(0);
  });

  it('passes providerOptions as given: into the chat body, into the generation parameters', async () => {
    const server = await start();
    const model = modelFor(server);
    await generate(model, chat('hi', { providerOptions: { frequency_penalty: 0.5 } }));
    await generate(model, { method: 'completion', prompt: 'p', providerOptions: { top_k: 40, repetition_penalty: 1.1 } });
    const [chatBody, generationBody] = server.apiRequests.map((request) => request.body);
    expect(chatBody.frequency_penalty).toBe(0.5);
    expect(generationBody.parameters).toEqual({ top_k: 40, repetition_penalty: 1.1 });
  });

  it('sends a response format in JSON mode with the schema in the system prompt', async () => {
    const server = await start();
    const model = modelFor(server);
    await generate(model, chat('Name a capital', { responseFormat: { name: 'qa', schema } }));
    await generate(model, {
      method: 'chat',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Name a capital' },
      ],
      responseFormat: { name: 'qa', schema },
    });

    const [added, appended] = server.apiRequests.map((request) => request.body);
    expect(added.response_format).toEqual({ type: 'json_object' });
    expect(added.messages).toHaveLength(2);
    expect(added.messages[0].role).toBe('system');
    expect(added.messages[0].content).toContain(JSON.stringify(schema));
    expect(added.messages[1]).toEqual({ role: 'user', content: 'Name a capital' });
    expect(appended.messages).toHaveLength(2);
    expect(appended.messages[0].content).toMatch(/^Be brief\.\n\n/);
    expect(appended.messages[0].content).toContain(JSON.stringify(schema));
  });

  it('sends the schema as json_schema when asked, and as an instruction before a text generation prompt', async () => {
    const server = await start();
    await generate(modelFor(server, { responseFormatType: 'json_schema' }), chat('Name a capital', { responseFormat: { name: 'qa', schema } }));
    await generate(modelFor(server), { method: 'completion', prompt: 'Name a capital', responseFormat: { name: 'qa', schema } });

    const [chatBody, generationBody] = server.apiRequests.map((request) => request.body);
    expect(chatBody.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'qa', schema, strict: true } });
    expect(chatBody.messages).toEqual([{ role: 'user', content: 'Name a capital' }]);
    expect(generationBody.input).toContain(JSON.stringify(schema));
    expect(generationBody.input).toMatch(/\n\nName a capital$/);
  });
});

describe('createWatsonx: IAM tokens', () => {
  it('exchanges the API key once for many concurrent calls, then reuses the token', async () => {
    const server = await start({ iamLatencyMs: 50 });
    const model = modelFor(server);
    await Promise.all(Array.from({ length: 20 }, (_, index) => generate(model, chat(`question ${index}`))));
    await generate(model, chat('one more'));

    expect(server.exchanges).toBe(1);
    const exchange = server.requests.find((request) => request.path === '/identity/token');
    expect(exchange?.method).toBe('POST');
    expect(exchange?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(exchange?.body).toEqual({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: apiKey });
    expect(server.apiRequests).toHaveLength(21);
    expect(new Set(server.apiRequests.map((request) => request.headers.authorization))).toEqual(new Set(['Bearer test-token-1']));
  });

  it('refreshes the token about a minute before it expires, and again after it expired', async () => {
    const clock = fakeClock();
    const server = await start({ now: clock.now, tokenLifetimeSeconds: 3600 });
    const model = modelFor(server, { _internal: { now: clock.now } });
    await generate(model, chat('first'));
    clock.advance(3600_000 - 61_000);
    await generate(model, chat('still fresh'));
    expect(server.exchanges).toBe(1);

    clock.advance(2_000);
    await generate(model, chat('inside the last minute'));
    expect(server.exchanges).toBe(2);
    clock.advance(2 * 3600_000);
    await generate(model, chat('long after expiry'));
    expect(server.exchanges).toBe(3);
    expect(server.apiRequests.map((request) => request.headers.authorization)).toEqual([
      'Bearer test-token-1',
      'Bearer test-token-1',
      'Bearer test-token-2',
      'Bearer test-token-3',
    ]);
  });

  it('refreshes once when the API refuses the token with a 401, then succeeds', async () => {
    const server = await start();
    const model = modelFor(server);
    await generate(model, chat('first'));
    server.revokeTokens();
    const result = await generate(model, chat('second'));

    expect(result.texts).toEqual(['answer 2.0']);
    expect(server.exchanges).toBe(2);
    expect(server.apiRequests.map((request) => request.headers.authorization)).toEqual(['Bearer test-token-1', 'Bearer test-token-1', 'Bearer test-token-2']);
  });

  it('fails with the 401 when the fresh token is refused too, after one refresh', async () => {
    const server = await start({ fault: () => ({ status: 401, code: 'authentication_token_not_valid', message: 'token refused' }) });
    const error = await failureOf(generate(modelFor(server), chat('hi')));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 401, isRetryable: false });
    expect(server.exchanges).toBe(2);
    expect(server.apiRequests).toHaveLength(2);
  });

  it('calls with a ready WATSONX_API_TOKEN without any exchange, and cannot refresh it', async () => {
    const server = await start();
    const exchange = await fetch(`${server.url}/identity/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: apiKey }),
    });
    const { access_token: token } = (await exchange.json()) as { access_token: string };
    vi.stubEnv('WATSONX_API_TOKEN', token);
    const model = modelFor(server, { apiKey: '' });
    await generate(model, chat('hi'));
    expect(server.exchanges).toBe(1);
    expect(server.apiRequests[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(model.credential).toBe(credentialId(token));

    server.revokeTokens();
    const error = await failureOf(generate(model, chat('again')));
    expect(error).toMatchObject({ statusCode: 401 });
    expect(server.exchanges).toBe(1);
    expect(server.apiRequests).toHaveLength(2);
  });

  it('reads the key, the project, the API URL and the IAM URL from the environment', async () => {
    const server = await start();
    vi.stubEnv('WATSONX_API_KEY', apiKey);
    vi.stubEnv('WATSONX_PROJECT_ID', projectId);
    vi.stubEnv('WATSONX_API_URL', `${server.url}/`);
    vi.stubEnv('WATSONX_IAM_URL', server.url);
    const model = createWatsonx({ modelId: 'ibm/granite-test' });
    const result = await generate(model, chat('hi'));

    expect(result.texts).toEqual(['answer 0.0']);
    expect(model.endpoint).toBe(server.url);
    expect(model.credential).toBe(credentialId(apiKey));
    expect(server.apiRequests[0]?.body.project_id).toBe(projectId);
  });
});

describe('createWatsonx: errors', () => {
  it('maps a 429 to a retryable ApiCallError with Retry-After and the service message', async () => {
    const server = await start({ fault: (_request, index) => (index === 0 ? { status: 429, retryAfterSeconds: 7, message: 'Too many requests' } : undefined) });
    const error = await failureOf(generate(modelFor(server), chat('hi')));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 429, retryAfterMs: 7000, isRetryable: true, url: `${server.url}/ml/v1/text/chat` });
    expect((error as Error).message).toBe(`${server.url}/ml/v1/text/chat answered 429: token_quota_reached: Too many requests`);
  });

  it('marks 5xx retryable and 4xx not, naming the failing field', async () => {
    const server = await start({ fault: (_request, index) => (index === 0 ? { status: 503 } : undefined) });
    const unavailable = await failureOf(generate(modelFor(server), chat('hi')));
    expect(unavailable).toMatchObject({ statusCode: 503, isRetryable: true });

    const wrongProject = await failureOf(generate(modelFor(server, { projectId: 'other-project' }), chat('hi')));
    expect(wrongProject).toMatchObject({ statusCode: 404, isRetryable: false });
    expect((wrongProject as Error).message).toContain('project_not_found: Project other-project was not found');
  });

  it('names the IAM URL when the exchange fails, never the key, and sends no API request', async () => {
    const server = await start();
    const error = await failureOf(generate(modelFor(server, { apiKey: 'wrong-key-abcdef' }), chat('hi')));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false });
    expect((error as Error).message).toBe(
      `IAM token exchange at ${server.url}/identity/token answered 400: BXNIM0415E Provided API key could not be found.`,
    );
    expect(inspect(error, { depth: 10 })).not.toContain('wrong-key-abcdef');
    expect(server.apiRequests).toHaveLength(0);
  });

  it('shares one failed exchange among concurrent calls, and a 5xx from IAM is retryable', async () => {
    const server = await start({ iamLatencyMs: 20, iamFault: (index) => (index === 0 ? { status: 502 } : undefined) });
    const model = modelFor(server);
    const errors = await Promise.all(Array.from({ length: 5 }, () => failureOf(generate(model, chat('hi')))));
    expect(server.exchanges).toBe(1);
    for (const error of errors) expect(error).toMatchObject({ statusCode: 502, isRetryable: true });
    await generate(model, chat('after the outage'));
    expect(server.exchanges).toBe(2);
  });

  it('never puts the key or the token into an error, even when the service echoes them', async () => {
    let token = '';
    const server = await start({
      fault: (request) => {
        token = String(request.headers.authorization).replace('Bearer ', '');
        return { status: 400, message: `bad request from key ${apiKey} with token ${token}` };
      },
      iamFault: (index) => (index === 1 ? { status: 500, message: `IAM broke on ${apiKey}` } : undefined),
    });
    const model = modelFor(server);
    const apiError = await failureOf(generate(model, chat('hi')));
    server.revokeTokens();
    const iamError = await failureOf(generate(modelFor(server), chat('hi')));
    expect((apiError as Error).message).toContain('bad request from key [redacted] with token [redacted]');
    expect((iamError as Error).message).toContain('IAM broke on [redacted]');
    for (const error of [apiError, iamError]) {
      const text = everythingOf(error);
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(token);
    }
  });
});

describeConnectionContract('createWatsonx', {
  start,
  modelFor,
  request: chat('hi'),
  url: (server) => `${server.url}/ml/v1/text/chat`,
  // The token exchange comes first.
  received: (server) => server.apiRequests.length === 1,
  expectAbort: (error) => expect(error).toMatchObject({ name: 'AbortError' }),
  probe: 'GET /',
});

describe('createWatsonx: cancellation', () => {
  it('aborting while the token exchange is pending leaves it to the other calls', async () => {
    const server = await start({ iamLatencyMs: 100 });
    const model = modelFor(server);
    const controller = new AbortController();
    const aborted = failureOf(generate(model, chat('leaves'), controller.signal));
    const staying = generate(model, chat('stays'));
    await waitFor(() => server.requests.length === 1);
    controller.abort();
    expect(await aborted).toMatchObject({ name: 'AbortError' });
    expect((await staying).texts).toEqual(['answer 0.0']);
    expect(server.exchanges).toBe(1);
    expect(server.apiRequests).toHaveLength(1);
  });
});

describe('createWatsonx: settings', () => {
  it('refuses a missing project id, naming WATSONX_PROJECT_ID and project_id, before any request', async () => {
    const server = await start();
    const error = await failureOf((async () => createWatsonx({ modelId: 'm', apiKey, apiUrl: server.url, iamUrl: server.url }))());
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field: 'project_id' });
    expect((error as Error).message).toContain('WATSONX_PROJECT_ID');
    expect((error as Error).message).toContain('`project_id`');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a missing API key (and no token), naming WATSONX_API_KEY, before any request', async () => {
    const server = await start();
    vi.stubEnv('WATSONX_API_KEY', '');
    const error = await failureOf((async () => createWatsonx({ modelId: 'm', projectId, apiUrl: server.url, iamUrl: server.url }))());
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('WATSONX_API_KEY');
    expect(server.requests).toHaveLength(0);
  });

  it('checks its settings eagerly', () => {
    expect(() => createWatsonx({ modelId: '', apiKey, projectId })).toThrow(ConfigError);
    expect(() => createWatsonx({ modelId: 'm', apiKey, projectId, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createWatsonx({ modelId: 'm', apiKey, projectId, apiVersion: 'latest' })).toThrow(/apiVersion/);
    expect(() => createWatsonx({ modelId: 'm', apiKey, projectId, apiUrl: 'not a url' })).toThrow(/apiUrl/);
  });

  it('describes itself: provider, model, endpoint, a credential id that is not the key, and the concurrency cap', () => {
    const model = createWatsonx({ modelId: 'ibm/granite-test', apiKey, projectId });
    expect(model).toMatchObject({ specificationVersion: 'v1', provider: 'watsonx', modelId: 'ibm/granite-test', endpoint: 'https://us-south.ml.cloud.ibm.com' });
    expect(model.credential).toBe(credentialId(apiKey));
    expect(model.credential).not.toContain(apiKey);
    expect(createWatsonx({ modelId: 'm', apiKey: 'another-key', projectId }).credential).not.toBe(model.credential);
    expect(watsonxMaxConcurrency).toBe(10);
  });
});
