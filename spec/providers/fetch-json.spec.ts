import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { type AddressInfo, type Socket, createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { rateLimitHeadersOf, requestJson, retryAfterOf } from '../../lib/providers/fetch-json.ts';
import { serviceMessageOf } from '../../lib/providers/service-message.ts';
import { everythingOf, failureOf } from '../helpers/provider-spec.ts';

interface Served {
  readonly url: string;
  /** TCP connections the server accepted. */
  connections: number;
  readonly bodies: string[];
  readonly headers: IncomingMessage['headers'][];
  close(): Promise<void>;
}

const open: Served[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

/** A server on 127.0.0.1 answering each request as `answer` says, after `delayMs`. */
async function serve(answer: (request: IncomingMessage, body: string) => { status: number; body: string | Buffer; headers?: Record<string, string> }, delayMs = 0): Promise<Served> {
  const sockets = new Set<Socket>();
  const served: Served = {
    url: '',
    connections: 0,
    bodies: [],
    headers: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      served.bodies.push(body);
      served.headers.push(request.headers);
      const reply = answer(request, body);
      setTimeout(() => {
        if (response.destroyed) return;
        response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        response.end(reply.body);
      }, delayMs);
    });
  });
  server.on('connection', (socket: Socket) => {
    served.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(served, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  open.push(served);
  return served;
}

const post = (url: string, extra: Partial<Parameters<typeof requestJson>[0]> = {}) =>
  requestJson({ url, body: JSON.stringify({ hello: 'world' }), timeoutMs: 5000, errorMessageOf: serviceMessageOf, ...extra });

describe('requestJson: one JSON request on a pooled keep-alive connection', () => {
  test('sends the body as JSON and reads the answer; calls one after another reuse one connection', async () => {
    const server = await serve(() => ({ status: 200, body: '{"ok":true}', headers: { 'x-ratelimit-limit-requests': '600', 'x-other': 'no' } }));
    for (let index = 0; index < 5; index += 1) {
      const answer = await post(`${server.url}/v1/chat/completions`, { headers: { authorization: 'Bearer k' } });
      expect(answer).toEqual({ status: 200, body: { ok: true }, rateLimits: { 'x-ratelimit-limit-requests': '600' } });
    }
    expect(server.bodies).toEqual(Array(5).fill('{"hello":"world"}'));
    expect(server.headers[0]).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer k', accept: 'application/json', 'content-length': '17' });
    expect(server.connections).toBe(1);
  });

  test('requests at once open as many connections as are in flight, and all are answered', async () => {
    const server = await serve(() => ({ status: 200, body: '{"ok":true}' }), 30);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(`${server.url}/x`)));
    expect(answers.every((answer) => (answer.body as { ok: boolean }).ok)).toBe(true);
    expect(server.connections).toBe(20);
  });

  test('a 429 carries the exact retry-after-ms over retry-after, the rate-limit headers, and the service\'s words', async () => {
    const server = await serve(() => ({
      status: 429,
      body: JSON.stringify({ error: { code: 'rate_limit_exceeded', message: 'Rate limit reached' } }),
      headers: { 'retry-after': '1', 'retry-after-ms': '120', 'x-ratelimit-remaining-requests': '0' },
    }));
    const error = await failureOf(post(`${server.url}/v1/chat/completions`, { what: `${server.url}/v1/chat/completions` }));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 429, retryAfterMs: 120, isRetryable: true, headers: { 'x-ratelimit-remaining-requests': '0' } });
    expect((error as Error).message).toBe(`${server.url}/v1/chat/completions answered 429: rate_limit_exceeded: Rate limit reached`);
  });

  test('Retry-After alone, in seconds, when there is no retry-after-ms', () => {
    expect(retryAfterOf({ 'retry-after': '2' })).toBe(2000);
    expect(retryAfterOf(new Headers({ 'retry-after-ms': '75', 'retry-after': '1' }))).toBe(75);
    expect(retryAfterOf({ 'retry-after-ms': 'soon', 'retry-after': '3' })).toBe(3000);
    expect(retryAfterOf({})).toBeUndefined();
    expect(rateLimitHeadersOf(new Headers({ 'anthropic-ratelimit-requests-limit': '50', server: 'x' }))).toEqual({ 'anthropic-ratelimit-requests-limit': '50' });
  });

  test('an error body that echoes a secret never shows it', async () => {
    const server = await serve((request) => ({ status: 401, body: JSON.stringify({ error: { message: `bad key ${request.headers['authorization']}` } }) }));
    const error = await failureOf(post(`${server.url}/x`, { headers: { authorization: 'Bearer sk-very-secret' }, secrets: ['sk-very-secret'] }));
    expect(error).toMatchObject({ statusCode: 401, isRetryable: false });
    expect(everythingOf(error)).not.toContain('sk-very-secret');
    expect((error as Error).message).toContain('bad key Bearer [redacted]');
  });

  test('a 2xx that is not JSON is a retryable error; a non-JSON error body is quoted', async () => {
    const cut = await serve(() => ({ status: 200, body: '{"choices": [' }));
    expect(await failureOf(post(`${cut.url}/x`))).toMatchObject({ statusCode: 200, isRetryable: true, message: `${cut.url}/x answered 200 with a body that is not JSON` });
    const html = await serve(() => ({ status: 502, body: '<html>Bad gateway</html>' }));
    expect(await failureOf(post(`${html.url}/x`))).toMatchObject({ statusCode: 502, message: `${html.url}/x answered 502: <html>Bad gateway</html>` });
  });

  test('a timeout is a 408 naming the URL and closes the connection; an abort rejects with its reason', async () => {
    const server = await serve(() => ({ status: 200, body: '{}' }), 60_000);
    const error = await failureOf(post(`${server.url}/slow`, { timeoutMs: 50 }));
    expect(error).toMatchObject({ statusCode: 408, isRetryable: true, message: `request to ${server.url}/slow timed out after 50 ms` });
    const controller = new AbortController();
    const call = failureOf(post(`${server.url}/slow`, { signal: controller.signal }));
    controller.abort(new Error('stop'));
    expect(await call).toMatchObject({ message: 'stop' });
  });

  test('a refused connection is a retryable error without a status, naming the URL and the socket error', async () => {
    const server = await serve(() => ({ status: 200, body: '{}' }));
    await server.close();
    const error = await failureOf(post(`${server.url}/v1`));
    expect(error).toMatchObject({ statusCode: undefined, isRetryable: true });
    expect((error as Error).message).toMatch(new RegExp(`^request to ${server.url}/v1 failed: .*ECONNREFUSED`));
  });

  test('a URL with credentials is refused before any request, and the error does not show them', async () => {
    const server = await serve(() => ({ status: 200, body: '{}' }));
    const withCredentials = server.url.replace('http://', 'http://alice:s3cret@');
    const error = await failureOf(post(`${withCredentials}/x`, { what: `${server.url}/x` }));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(everythingOf(error)).not.toContain('s3cret');
    expect(server.bodies).toHaveLength(0);
  });

  test('a kept-alive connection the server dropped as it was reused is sent again once, on a new one', async () => {
    // Raw HTTP: the first connection answers its first request, then drops the socket when the next one arrives.
    let connections = 0;
    const sockets: Socket[] = [];
    const tcp = createTcpServer((socket) => {
      sockets.push(socket);
      const connection = (connections += 1);
      let requests = 0;
      socket.on('data', (chunk) => {
        if (!chunk.toString('latin1').includes('\r\n\r\n')) return;
        requests += 1;
        const body = `{"connection":${connection}}`;
        if (connection === 1 && requests === 2) socket.destroy();
        else socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
      });
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}/x`;
    try {
      expect((await post(url)).body).toEqual({ connection: 1 });
      // Sent on connection 1 again, dropped: sent once more on connection 2.
      expect((await post(url)).body).toEqual({ connection: 2 });
      expect(connections).toBe(2);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
  });

  test('an answer cut short mid-body is a retryable connection error, not a hang', async () => {
    const sockets: Socket[] = [];
    const tcp = createTcpServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"choi');
        setTimeout(() => socket.destroy(), 10);
      });
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}/x`;
    try {
      const error = await failureOf(post(url));
      expect(error).toMatchObject({ statusCode: undefined, isRetryable: true });
      expect((error as Error).message).toMatch(new RegExp(`^request to ${url} failed: `));
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
  });

  test('a header Node refuses fails the call at once, not retryable, and leaves no timer or listener behind to crash later', async () => {
    const server = await serve(() => ({ status: 200, body: '{}' }));
    const controller = new AbortController();
    const error = await failureOf(post(`${server.url}/x`, { headers: { 'x-title': 'DGT \u2014 run' }, signal: controller.signal, timeoutMs: 30 }));
    expect(error).toMatchObject({ isRetryable: false });
    expect((error as Error).message).toMatch(new RegExp(`^request to ${server.url}/x failed: .*header`, 'i'));
    // Neither the abort nor the timeout that was armed may throw now.
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(server.bodies).toHaveLength(0);
  });

  test('an error body is redacted before it is cut: a long secret is never shown in part', async () => {
    const secret = `sk-${'x'.repeat(300)}`;
    const server = await serve((request) => ({ status: 401, body: `<html>${'.'.repeat(50)} ${request.headers['authorization']}</html>` }));
    const error = await failureOf(post(`${server.url}/x`, { headers: { authorization: `Bearer ${secret}` }, secrets: [secret] }));
    expect(everythingOf(error)).not.toContain('xxxxxxxx');
    expect((error as Error).message).toContain('Bearer [redacted]');
  });

  test('a compressed answer is read; every request says who sends it', async () => {
    const server = await serve(() => ({ status: 200, body: gzipSync('{"ok":"gzip"}'), headers: { 'content-encoding': 'gzip' } }));
    expect((await post(`${server.url}/x`)).body).toEqual({ ok: 'gzip' });
    expect(server.headers[0]).toMatchObject({ 'accept-encoding': 'gzip, br' });
    expect(String(server.headers[0]!['user-agent'])).toMatch(/^rxdgt\/\S+ node\/20\./);
  });

  test('a redirect is not followed (the key would go where it points): the error says where to point the endpoint', async () => {
    const server = await serve(() => ({ status: 307, body: '', headers: { location: 'https://elsewhere.example/v1/chat/completions' } }));
    const error = await failureOf(post(`${server.url}/v1/chat/completions`));
    expect(error).toMatchObject({ statusCode: 307, isRetryable: false });
    expect((error as Error).message).toBe(`${server.url}/v1/chat/completions answered 307: redirected to https://elsewhere.example/v1/chat/completions: set the endpoint to where it points`);
  });
});
