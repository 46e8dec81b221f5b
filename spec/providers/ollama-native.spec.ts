import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { LanguageModel } from '../../lib/model/language-model.ts';
import { ollamaHostURL } from '../../lib/providers/ollama-native/ollama-host.ts';
import { type OllamaNativeSettings, createOllamaNative } from '../../lib/providers/ollama-native/ollama-native-model.ts';
import { describeConnectionContract, failureOf, generate, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { type OllamaServer, startOllamaServer } from '../helpers/servers/ollama-server.ts';

useUnsetEnvironment(['OLLAMA_HOST']);
const start = useServers(startOllamaServer);

function modelFor(server: OllamaServer, settings: Partial<OllamaNativeSettings> = {}): LanguageModel {
  return createOllamaNative({ modelId: 'test-model', baseURL: server.url, ...settings });
}

const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
const params = { maxTokens: 64, temperature: 0.7, topP: 0.9, seed: 42, stop: ['\n\n'], providerOptions: { num_ctx: 8192 } } as const;
const sentOptions = { num_ctx: 8192, num_predict: 64, temperature: 0.7, top_p: 0.9, seed: 42, stop: ['\n\n'] };

describe('createOllamaNative: wire format', () => {
  it('posts a chat to /api/chat, unstreamed, with every option and the schema as format, and maps the answer', async () => {
    const server = await start({ respond: () => '{"answer": "Paris"}' });
    const messages = [
      { role: 'system', content: 'Answer in JSON.' },
      { role: 'user', content: 'The capital of France?' },
    ] as const;
    const result = await generate(modelFor(server), { method: 'chat', messages, ...params, responseFormat: { name: 'qa', schema } });

    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /api/chat']);
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(server.requests[0]?.body).toEqual({ model: 'test-model', messages, stream: false, options: sentOptions, format: schema });
    expect(result).toEqual({ texts: ['{"answer": "Paris"}'], finishReason: 'stop', usage: { promptTokens: 7, completionTokens: 2 } });
  });

  it('posts a completion to /api/generate with every option too (DGT sent none), and maps `response`', async () => {
    const server = await start();
    const result = await generate(modelFor(server), { method: 'completion', prompt: 'Q: the capital of France?\nA:', ...params });

    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /api/generate']);
    expect(server.requests[0]?.body).toEqual({ model: 'test-model', prompt: 'Q: the capital of France?\nA:', stream: false, options: sentOptions });
    expect(result).toEqual({ texts: ['answer 0'], finishReason: 'stop', usage: { promptTokens: 6, completionTokens: 2 } });
  });

  it('sends the schema as format in completion mode, and no options when none are set', async () => {
    const server = await start();
    await generate(modelFor(server), { method: 'completion', prompt: 'p', responseFormat: { name: 'qa', schema } });
    await generate(modelFor(server), { method: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    const [withFormat, bare] = server.requests.map((request) => request.body);
    expect(withFormat).toEqual({ model: 'test-model', prompt: 'p', stream: false, format: schema });
    expect(bare).toEqual({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream: false });
  });

  it('puts providerOptions where Ollama reads them: model options into `options`, the rest into the body', async () => {
    const server = await start();
    await generate(modelFor(server), {
      method: 'completion',
      prompt: 'p',
      temperature: 0.2,
      providerOptions: { options: { num_gpu: 1, temperature: 0.9 }, top_k: 20, keep_alive: '10m', think: false },
    });
    expect(server.requests[0]?.body).toEqual({
      model: 'test-model',
      prompt: 'p',
      stream: false,
      keep_alive: '10m',
      think: false,
      // The request's own parameters win over the same option given in providerOptions.
      options: { num_gpu: 1, top_k: 20, temperature: 0.2 },
    });
  });

  it('refuses n > 1, which Ollama cannot do, before any request; n = 1 is fine', async () => {
    const server = await start();
    const error = await failureOf(generate(modelFor(server), { method: 'chat', messages: [{ role: 'user', content: 'hi' }], n: 3 }));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field: 'n' });
    expect((error as Error).message).toMatch(/`n`.*expected 1.*received 3/);
    expect(server.requests).toHaveLength(0);
    await generate(modelFor(server), { method: 'completion', prompt: 'p', n: 1 });
    expect(server.requests).toHaveLength(1);
  });
});

describe('createOllamaNative: errors', () => {
  it('maps a missing model (404 with Ollama’s message) to an ApiCallError that is not retried', async () => {
    const server = await start();
    const error = await failureOf(generate(modelFor(server, { modelId: 'granite4:3b' }), { method: 'chat', messages: [{ role: 'user', content: 'hi' }] }));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 404, isRetryable: false, url: `${server.url}/api/chat` });
    expect((error as Error).message).toBe(`${server.url}/api/chat answered 404: model "granite4:3b" not found, try pulling it first`);
  });

  it('maps a 500 to a retryable ApiCallError, and a dropped connection to one without a status', async () => {
    const server = await start({ fault: (_request, index) => (index === 0 ? { status: 500, message: 'llama runner process has terminated' } : { drop: true }) });
    const serverError = await failureOf(generate(modelFor(server), { method: 'completion', prompt: 'p' }));
    expect(serverError).toMatchObject({ statusCode: 500, isRetryable: true });
    expect((serverError as Error).message).toContain('answered 500: llama runner process has terminated');
    const dropped = await failureOf(generate(modelFor(server), { method: 'completion', prompt: 'p' }));
    expect(ApiCallError.isInstance(dropped)).toBe(true);
    expect(dropped).toMatchObject({ statusCode: undefined, isRetryable: true });
  });

  it('reports a connection refused as a retryable ApiCallError naming the host', async () => {
    const server = await start();
    const model = modelFor(server);
    await server.close();
    const error = await failureOf(generate(model, { method: 'completion', prompt: 'p' }));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^request to ${server.url}/api/generate failed: .*ECONNREFUSED`));
    expect(inspect(error)).toContain('ECONNREFUSED');
  });
});

describeConnectionContract('createOllamaNative', {
  start,
  modelFor,
  request: { method: 'completion', prompt: 'p' },
  url: (server) => `${server.url}/api/generate`,
  expectAbort: (error) => expect(error).toMatchObject({ name: 'AbortError' }),
  probe: 'GET /api/version',
});

describe('createOllamaNative: host and identity', () => {
  it('normalises hosts as Ollama does: no scheme means http, then no port means 11434', () => {
    expect(ollamaHostURL('gpu-box')).toBe('http://gpu-box:11434');
    expect(ollamaHostURL('gpu-box:8080')).toBe('http://gpu-box:8080');
    expect(ollamaHostURL(':8080')).toBe('http://127.0.0.1:8080');
    expect(ollamaHostURL('0.0.0.0')).toBe('http://0.0.0.0:11434');
    expect(ollamaHostURL('https://ollama.example/')).toBe('https://ollama.example');
    expect(ollamaHostURL('http://localhost:11434/v1')).toBe('http://localhost:11434');
  });

  it('takes the host from OLLAMA_HOST without a scheme, from settings first, and defaults to localhost:11434', async () => {
    const server = await start();
    vi.stubEnv('OLLAMA_HOST', server.url.replace('http://', ''));
    const fromEnvironment = createOllamaNative({ modelId: 'test-model' });
    expect(fromEnvironment.endpoint).toBe(server.url);
    expect((await generate(fromEnvironment, { method: 'completion', prompt: 'p' })).texts).toEqual(['answer 0']);
    expect(createOllamaNative({ modelId: 'm', baseURL: 'other-host' }).endpoint).toBe('http://other-host:11434');
    vi.stubEnv('OLLAMA_HOST', '');
    expect(createOllamaNative({ modelId: 'm' }).endpoint).toBe('http://localhost:11434');
  });

  it('describes itself as the keyless ollama engine, and checks its settings eagerly', () => {
    const model = createOllamaNative({ modelId: 'granite4:3b' });
    expect(model).toMatchObject({ specificationVersion: 'v1', provider: 'ollama', modelId: 'granite4:3b', endpoint: 'http://localhost:11434' });
    expect(model.credential).toBeUndefined();
    expect(() => createOllamaNative({ modelId: '' })).toThrow(ConfigError);
    expect(() => createOllamaNative({ modelId: 'm', timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});
