import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeDestroyingSockets } from './server-close.ts';
import { CounterBoard, type TestServerCounters } from './test-server-counters.ts';
import { createTestServerHandler } from './test-server-handler.ts';
import type { TestServerOptions, TestServerRequest } from './test-server-options.ts';

export type { TestServerCounters } from './test-server-counters.ts';
export type { TestServerAnswer, TestServerFault, TestServerOptions, TestServerRequest } from './test-server-options.ts';

/** A running local OpenAI-compatible server. */
export interface TestServer {
  /** Origin of the server, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  readonly url: string;
  /** `url + '/v1'`, the `baseURL` an OpenAI client takes. */
  readonly baseURL: string;
  /** A fresh snapshot of the counters on every read. */
  readonly counters: TestServerCounters;
  /** Every request received, on any path, in order (empty when `recordRequests` is false). */
  readonly requests: readonly TestServerRequest[];
  /** Zeroes the counters; requests in flight stay counted in `inFlight`, and `requests` is kept. */
  resetCounters(): void;
  /** Stops listening and destroys every open socket, keep-alive ones too; resolves once all are closed. */
  close(): Promise<void>;
}

/**
 * Starts a local OpenAI-compatible HTTP server on 127.0.0.1 with a free port, for tests and benchmarks that
 * exercise LM engines over real HTTP.
 *
 * Serves `POST /v1/chat/completions`, `POST /v1/completions` (a `prompt` string or array, `n` answers per
 * prompt) and `GET /v1/models` (lists `test-model`); any other path gets a 404 OpenAI-shaped error. Token
 * usage is counted in whitespace-separated words. Latency, faults and answers are scripted by request index; an
 * answer may be a structured {@link TestServerAnswer} with tool calls and log probabilities, and every request is
 * kept in `requests` for a test to check what was sent. No streaming.
 *
 * ## Example
 *
 * ```ts
 * import OpenAI from 'openai';
 * import { startTestServer } from 'rxdgt/testing';
 *
 * const server = await startTestServer({ fault: (_request, index) => (index === 0 ? { kind: 'status', status: 429 } : undefined) });
 * const client = new OpenAI({ apiKey: 'x', baseURL: server.baseURL, maxRetries: 1 });
 * const completion = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Hi' }] });
 * completion.choices[0].message.content; // 'Question: What is the capital of region 1?\nAnswer: City 1.'
 * server.counters; // { requests: 2, answered: 1, faults: 1, ... }
 * await server.close();
 * ```
 *
 * @param options latency, answers, faults, API key and request recording
 * @returns the running server, once it listens
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const board = new CounterBoard();
  const requests: TestServerRequest[] = [];
  let isClosing = false;
  const server = createServer(createTestServerHandler(options, { board, requests, isClosing: () => isClosing }));
  const close = closeDestroyingSockets(server, () => {
    isClosing = true;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    get counters() {
      return board.snapshot();
    },
    requests,
    resetCounters: () => board.reset(),
    close,
  };
}
