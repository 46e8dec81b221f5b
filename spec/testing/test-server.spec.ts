import { connect } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestServer, type TestServerOptions, startTestServer } from '../../lib/testing/test-server.ts';

const servers: TestServer[] = [];

async function start(options?: TestServerOptions): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

function clientOf(server: TestServer, apiKey = 'x'): OpenAI {
  return new OpenAI({ apiKey, baseURL: server.baseURL, maxRetries: 0 });
}

/** Waits until `condition` holds; the test timeout bounds the wait. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function postJson(server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const chatBody: OpenAI.ChatCompletionCreateParamsNonStreaming = {
  model: 'test-model',
  messages: [{ role: 'user', content: 'What is the capital of region one?' }],
};

/** Reads a JSON response body without a schema. */
async function jsonOf(response: Response): Promise<any> {
  return response.json();
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('startTestServer', () => {
  it('listens on 127.0.0.1 with a /v1 base URL', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.baseURL).toBe(`${server.url}/v1`);
  });

  it('answers a chat completion with usage counted in words', async () => {
    const server = await start();
    const completion = await clientOf(server).chat.completions.create({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Ask  me\tsomething' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('test-model');
    expect(completion.choices).toHaveLength(1);
    const [choice] = completion.choices;
    expect(choice?.message.role).toBe('assistant');
    expect(choice?.finish_reason).toBe('stop');
    const content = choice?.message.content ?? '';
    expect(content).toMatch(/^Question: What is the capital of region \d+\?\nAnswer: City \d+\.$/);
    expect(completion.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: content.split(/\s+/).length,
      total_tokens: 5 + content.split(/\s+/).length,
    });
    expect(server.counters).toMatchObject({ requests: 1, answered: 1, faults: 0, inFlight: 0, clientAborts: 0 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.path).toBe('/v1/chat/completions');
    expect(server.requests[0]?.body.messages[1].content).toBe('Ask  me\tsomething');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer x');
  });

  it('honours n with distinct chat choices', async () => {
    const server = await start();
    const completion = await clientOf(server).chat.completions.create({ ...chatBody, n: 3 });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    const contents = completion.choices.map((choice) => choice.message.content);
    expect(new Set(contents).size).toBe(3);
  });

  it('answers legacy completions with one choice per prompt per n', async () => {
    const server = await start({ respond: (request, index, choice) => `${request.body.prompt.length} ${index} ${choice}` });
    const completion = await clientOf(server).completions.create({ model: 'test-model', prompt: ['one two', 'three four five'], n: 2 });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices.map((choice) => [choice.index, choice.text, choice.finish_reason])).toEqual([
      [0, '2 0 0', 'stop'],
      [1, '2 0 1', 'stop'],
      [2, '2 0 2', 'stop'],
      [3, '2 0 3', 'stop'],
    ]);
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
  });

  it('answers a legacy completion with a single string prompt', async () => {
    const server = await start({ respond: () => 'fine' });
    const response = await postJson(server, '/v1/completions', { model: 'other-model', prompt: 'a b c' });
    const completion = await jsonOf(response);
    expect(completion.model).toBe('other-model');
    expect(completion.choices).toEqual([{ index: 0, text: 'fine', logprobs: null, finish_reason: 'stop' }]);
    expect(completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
  });

  it('lists test-model without counting it as a generation request', async () => {
    const server = await start();
    const models = await clientOf(server).models.list();
    expect(models.data.map((model) => model.id)).toEqual(['test-model']);
    expect(server.counters.requests).toBe(0);
    expect(server.counters.byPath).toEqual({ '/v1/models': 1 });
  });

  it('holds answers for the latency, so parallel requests overlap', async () => {
    const latencyIndexes: number[] = [];
    const server = await start({
      latencyMs: (index) => {
        latencyIndexes.push(index);
        return 1000;
      },
    });
    let settled = 0;
    const calls = Array.from({ length: 4 }, () => postJson(server, '/v1/chat/completions', chatBody).finally(() => settled++));
    await until(() => server.counters.inFlight === 4);
    expect(settled).toBe(0);
    const responses = await Promise.all(calls);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect(server.counters).toMatchObject({ requests: 4, answered: 4, inFlight: 0, maxInFlight: 4 });
    expect(latencyIndexes.sort()).toEqual([0, 1, 2, 3]);
  });

  it('answers sequential requests one at a time without latency', async () => {
    const server = await start({ latencyMs: 0 });
    for (let count = 0; count < 3; count++) await postJson(server, '/v1/chat/completions', chatBody);
    expect(server.counters).toMatchObject({ requests: 3, answered: 3, maxInFlight: 1, inFlight: 0 });
  });

  it('plays a 429 with a Retry-After header and an OpenAI-shaped error', async () => {
    const server = await start({ fault: () => ({ kind: 'status', status: 429, retryAfterSeconds: 7 }) });
    const response = await postJson(server, '/v1/chat/completions', chatBody);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    const body = await response.json();
    expect(body).toEqual({ error: { message: expect.any(String), type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });

    const error = await clientOf(server).chat.completions.create(chatBody).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('7');
    expect(server.counters).toMatchObject({ requests: 2, answered: 0, faults: 2 });
  });

  it('plays a 500 without Retry-After, and a custom body when given', async () => {
    const server = await start({
      fault: (_request, index) => (index === 0 ? { kind: 'status', status: 500 } : { kind: 'status', status: 503, body: 'overloaded' }),
    });
    const error = await clientOf(server).chat.completions.create(chatBody).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(500);
    const response = await postJson(server, '/v1/chat/completions', chatBody);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.text()).toBe('overloaded');
    expect(server.counters).toMatchObject({ requests: 2, faults: 2 });
  });

  it('plays garbled answers in a well-formed envelope', async () => {
    const server = await start({ fault: () => ({ kind: 'garbled' }) });
    const completion = await clientOf(server).chat.completions.create({ ...chatBody, n: 2 });
    expect(completion.choices).toHaveLength(2);
    for (const choice of completion.choices) {
      const content = choice.message.content ?? '';
      expect(content.length).toBeGreaterThan(0);
      expect(content).not.toMatch(/Question|Answer/);
      expect(() => JSON.parse(content)).toThrow();
    }
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(server.counters).toMatchObject({ requests: 1, answered: 0, faults: 1 });
  });

  it('drops the connection, so the client sees a connection error', async () => {
    const server = await start({ fault: () => ({ kind: 'drop' }) });
    const error = await clientOf(server).chat.completions.create(chatBody).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    await expect(postJson(server, '/v1/chat/completions', chatBody)).rejects.toThrow(TypeError);
    expect(server.counters).toMatchObject({ requests: 2, answered: 0, faults: 2, inFlight: 0, clientAborts: 0 });
  });

  it('answers 200 with a body that is not JSON', async () => {
    const server = await start({ fault: () => ({ kind: 'invalid-json' }) });
    const response = await postJson(server, '/v1/chat/completions', chatBody);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    await expect(clientOf(server).chat.completions.create(chatBody)).rejects.toThrow();
    expect(server.counters).toMatchObject({ requests: 2, answered: 0, faults: 2 });
  });

  it('counts a client that leaves during latency as a client abort and never answers it', async () => {
    const server = await start({ latencyMs: 2000 });
    const controller = new AbortController();
    const call = postJson(server, '/v1/chat/completions', chatBody, {});
    const aborted = fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chatBody),
      signal: controller.signal,
    });
    await until(() => server.counters.inFlight === 2);
    controller.abort();
    await expect(aborted).rejects.toThrow();
    await until(() => server.counters.clientAborts === 1);
    expect(server.counters).toMatchObject({ requests: 2, inFlight: 1, clientAborts: 1 });
    expect((await call).status).toBe(200);
    expect(server.counters).toMatchObject({ requests: 2, answered: 1, faults: 0, inFlight: 0, clientAborts: 1 });
  });

  it('demands the API key when one is set', async () => {
    const server = await start({ apiKey: 'secret' });
    const response = await postJson(server, '/v1/chat/completions', chatBody);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    });
    const error = await clientOf(server, 'wrong').chat.completions.create(chatBody).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const completion = await clientOf(server, 'secret').chat.completions.create(chatBody);
    expect(completion.choices).toHaveLength(1);
    expect(server.counters).toMatchObject({ requests: 3, answered: 1, faults: 0 });
  });

  it('answers unknown paths and wrong methods with a 404 OpenAI-shaped error', async () => {
    const server = await start();
    const response = await postJson(server, '/v1/audio/speech', {});
    expect(response.status).toBe(404);
    const body = await response.json();
    expect(body).toEqual({ error: { message: expect.stringContaining('/v1/audio/speech'), type: 'invalid_request_error', param: null, code: 'not_found' } });
    expect((await fetch(`${server.baseURL}/chat/completions`)).status).toBe(404);
    expect(server.counters.requests).toBe(0);
    expect(server.counters.byPath).toEqual({ '/v1/audio/speech': 1, '/v1/chat/completions': 1 });
  });

  it('refuses a generation body that is not JSON with a 400', async () => {
    const server = await start();
    const response = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: 'not json' });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error.type).toBe('invalid_request_error');
    expect(server.requests[0]?.body).toBe('not json');
    expect(server.counters).toMatchObject({ requests: 1, answered: 0, faults: 0, inFlight: 0 });
  });

  it('asks fault and respond with the request and its 0-based index', async () => {
    const seen: Array<[string, number]> = [];
    const server = await start({
      fault: (request, index) => {
        seen.push([request.path, index]);
        return index === 1 ? { kind: 'status', status: 500 } : undefined;
      },
      respond: (_request, index) => `answer ${index}`,
    });
    const first = await jsonOf(await postJson(server, '/v1/chat/completions', chatBody));
    const second = await postJson(server, '/v1/completions', { prompt: 'x' });
    const third = await jsonOf(await postJson(server, '/v1/completions', { prompt: 'x' }));
    expect(first.choices[0].message.content).toBe('answer 0');
    expect(second.status).toBe(500);
    expect(third.choices[0].text).toBe('answer 2');
    expect(seen).toEqual([
      ['/v1/chat/completions', 0],
      ['/v1/completions', 1],
      ['/v1/completions', 2],
    ]);
    expect(server.counters.byPath).toEqual({ '/v1/chat/completions': 1, '/v1/completions': 2 });
  });

  it('answers 500 when respond throws', async () => {
    const server = await start({
      respond: () => {
        throw new Error('broken respond');
      },
    });
    const response = await postJson(server, '/v1/chat/completions', chatBody);
    expect(response.status).toBe(500);
    expect((await jsonOf(response)).error.message).toContain('broken respond');
    expect(server.counters).toMatchObject({ requests: 1, answered: 0, faults: 1, inFlight: 0 });
  });

  it('resets counters but keeps the recorded requests', async () => {
    const server = await start();
    await postJson(server, '/v1/chat/completions', chatBody);
    const snapshot = server.counters;
    server.resetCounters();
    expect(snapshot.requests).toBe(1);
    expect(server.counters).toEqual({ requests: 0, answered: 0, faults: 0, inFlight: 0, maxInFlight: 0, clientAborts: 0, byPath: {} });
    expect(server.requests).toHaveLength(1);
  });

  it('records no requests when recordRequests is false', async () => {
    const server = await start({ recordRequests: false });
    await postJson(server, '/v1/chat/completions', chatBody);
    expect(server.requests).toHaveLength(0);
    expect(server.counters.answered).toBe(1);
  });

  it('closes with an idle keep-alive connection and a request still waiting out latency', async () => {
    const server = await start({ latencyMs: 60_000 });
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    const firstAnswer = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString())));
    socket.write('GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    expect(await firstAnswer).toMatch(/^HTTP\/1\.1 200/);

    const pending = postJson(server, '/v1/chat/completions', chatBody).then(
      () => 'answered',
      (error: unknown) => error,
    );
    await until(() => server.counters.inFlight === 1);
    await server.close();
    await socketClosed;
    expect(await pending).toBeInstanceOf(TypeError);
    expect(server.counters).toMatchObject({ inFlight: 0, answered: 0, clientAborts: 0 });
    await expect(server.close()).resolves.toBeUndefined();
  });
});

describe('startTestServer: structured answers', () => {
  it('answers with scripted tool calls (object arguments written as JSON) and records what the client sent', async () => {
    const server = await start({ respond: () => ({ toolCalls: [{ name: 'lookup', arguments: { city: 'Paris' } }, { id: 'own', name: 'now', arguments: '{}' }] }) });
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object' } } }];
    const completion = await clientOf(server).chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Paris?' }], tools, tool_choice: 'required' });
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      { id: 'call_0', type: 'function', function: { name: 'lookup', arguments: '{"city":"Paris"}' } },
      { id: 'own', type: 'function', function: { name: 'now', arguments: '{}' } },
    ]);
    expect(server.requests[0]?.body).toMatchObject({ tools, tool_choice: 'required' });
  });

  it('answers with scripted log probabilities in the shape of each endpoint', async () => {
    const logprobs = [{ token: 'Hi', logprob: -0.5, top: [{ token: 'Hello', logprob: -1 }] }];
    const server = await start({ respond: () => ({ content: 'Hi', logprobs, finishReason: 'length' }) });
    const chat = await clientOf(server).chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'x' }], logprobs: true });
    expect(chat.choices[0]?.logprobs?.content).toEqual([{ token: 'Hi', logprob: -0.5, bytes: [72, 105], top_logprobs: [{ token: 'Hello', logprob: -1, bytes: [72, 101, 108, 108, 111] }] }]);
    expect(chat.choices[0]?.finish_reason).toBe('length');
    const legacy = await clientOf(server).completions.create({ model: 'test-model', prompt: 'x', logprobs: 1 });
    expect(legacy.choices[0]?.text).toBe('Hi');
    expect(legacy.choices[0]?.logprobs).toEqual({ tokens: ['Hi'], token_logprobs: [-0.5], top_logprobs: [{ Hello: -1 }], text_offset: [0] });
  });

  it('counts a tool call\'s name and arguments as completion words', async () => {
    const server = await start({ respond: () => ({ content: 'ok then', toolCalls: [{ name: 'lookup', arguments: '{"city": "Paris"}' }] }) });
    const completion = await clientOf(server).chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'x' }] });
    expect(completion.usage?.completion_tokens).toBe(5);
    expect(completion.choices[0]?.message.content).toBe('ok then');
  });
});
