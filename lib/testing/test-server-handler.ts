/**
 * The request handler of the local OpenAI-compatible test server: routing, latency, faults and answers.
 * Internal to `test-server.ts`. Kept lean because benchmarks drive it at more than 1000 requests per second:
 * the body is parsed once, answers are serialized once, and no timer is armed when there is no latency.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import {
  chatCompletionBody,
  completionBody,
  countMessageWords,
  errorBody,
  garbledText,
  invalidJsonBody,
  modelListBody,
  promptsOf,
  testModelName,
} from './test-server-bodies.ts';
import { countWords } from '../text/count-words.ts';
import { embeddingsBody } from './test-server-embeddings.ts';
import { createBatchRoutes } from './test-server-batches.ts';
import type { CounterBoard } from './test-server-counters.ts';
import type { TestServerAnswer, TestServerFault, TestServerOptions, TestServerRequest } from './test-server-options.ts';

/** What the handler shares with the server around it. */
export interface HandlerContext {
  readonly board: CounterBoard;
  readonly requests: TestServerRequest[];
  /** Set while the server closes, so the sockets it destroys are not counted as client aborts. */
  readonly isClosing: () => boolean;
}

type Endpoint = 'chat' | 'completion' | 'models' | 'embeddings';

function endpointOf(method: string | undefined, path: string): Endpoint | undefined {
  if (method === 'POST' && path === '/v1/chat/completions') return 'chat';
  if (method === 'POST' && path === '/v1/completions') return 'completion';
  if (method === 'GET' && path === '/v1/models') return 'models';
  if (method === 'POST' && path === '/v1/embeddings') return 'embeddings';
  return undefined;
}

function send(response: ServerResponse, status: number, body: string, headers?: OutgoingHttpHeaders): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** The 500 body for an option (`respond`, `fault`, `latencyMs`) that threw. */
function optionThrewBody(error: unknown): string {
  return errorBody(500, `Test server option threw: ${String(error)}`);
}

/** The default `respond`: a unique question-answer pair per choice, from a counter. */
function countingResponder(): () => string {
  let counter = 0;
  return () => {
    counter++;
    return `Question: What is the capital of region ${counter}?\nAnswer: City ${counter}.`;
  };
}

/** Serializes a completion envelope for a chat or legacy request, asking `produce` for each choice's answer. */
function answerBody(endpoint: Endpoint, body: any, index: number, produce: (choice: number) => string | TestServerAnswer): string {
  if (endpoint === 'embeddings') return embeddingsBody(body);
  const n = Number.isInteger(body.n) && body.n > 0 ? (body.n as number) : 1;
  const model = typeof body.model === 'string' ? body.model : testModelName;
  if (endpoint === 'chat') {
    const texts = Array.from({ length: n }, (_, choice) => produce(choice));
    return chatCompletionBody(index, model, countMessageWords(body.messages), texts);
  }
  const prompts = promptsOf(body.prompt);
  let promptTokens = 0;
  for (const prompt of prompts) promptTokens += countWords(prompt);
  const texts = Array.from({ length: prompts.length * n }, (_, choice) => produce(choice));
  return completionBody(index, model, promptTokens, texts);
}

/** Creates the `node:http` request listener of one test server. */
export function createTestServerHandler(
  options: TestServerOptions,
  context: HandlerContext,
): (incoming: IncomingMessage, response: ServerResponse) => void {
  const { board, requests, isClosing } = context;
  const { latencyMs = 0, fault: decideFault, recordRequests = true } = options;
  const respond = options.respond ?? countingResponder();
  const authorization = options.apiKey === undefined ? undefined : `Bearer ${options.apiKey}`;
  let nextIndex = 0;
  // Batch lines are answered as direct calls are, each counting as an answered generation request.
  const batchRoutes = createBatchRoutes(
    options.batches ?? {},
    (endpoint, body) => {
      const index = nextIndex++;
      const request: TestServerRequest = { path: endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions', body, headers: {} };
      board.answered++;
      return answerBody(endpoint, body, index, (choice) => respond(request, index, choice));
    },
    (body) => {
      const index = nextIndex++;
      board.answered++;
      return respond({ path: '/v1/messages', body, headers: {} }, index, 0);
    },
  );

  /**
   * Sends the answer or plays the fault; the request is no longer in flight. A throwing `respond` becomes
   * a 500, so the client never hangs.
   */
  function finish(
    response: ServerResponse,
    endpoint: Endpoint,
    request: TestServerRequest,
    index: number,
    fault: TestServerFault | undefined,
  ): void {
    board.inFlight--;
    try {
      if (fault === undefined) {
        const body = answerBody(endpoint, request.body, index, (choice) => respond(request, index, choice));
        board.answered++;
        return send(response, 200, body);
      }
      board.faults++;
      switch (fault.kind) {
        case 'status': {
          const { status, retryAfterSeconds } = fault;
          const headers = retryAfterSeconds === undefined ? undefined : { 'retry-after': String(retryAfterSeconds) };
          return send(response, status, fault.body ?? errorBody(status, `Test server fault: status ${status}.`), headers);
        }
        case 'garbled':
          return send(response, 200, answerBody(endpoint, request.body, index, (choice) => garbledText(index, choice)));
        case 'invalid-json':
          return send(response, 200, invalidJsonBody);
        case 'drop':
          response.socket?.destroy();
          return;
      }
    } catch (error) {
      if (fault === undefined) board.faults++;
      if (!response.headersSent) send(response, 500, optionThrewBody(error));
    }
  }

  /** Runs one generation request: decide the fault, wait out the latency unless the client leaves, answer. */
  function generate(response: ServerResponse, endpoint: Endpoint, request: TestServerRequest): void {
    const index = nextIndex++;
    board.enter();
    let fault: TestServerFault | undefined;
    let latency: number;
    try {
      fault = decideFault?.(request, index);
      latency = typeof latencyMs === 'function' ? latencyMs(index) : latencyMs;
    } catch (error) {
      fault = { kind: 'status', status: 500, body: optionThrewBody(error) };
      latency = 0;
    }
    if (!(latency > 0)) return finish(response, endpoint, request, index, fault);
    const abandon = () => {
      clearTimeout(timer);
      board.inFlight--;
      if (!isClosing()) board.clientAborts++;
    };
    const timer = setTimeout(() => {
      response.off('close', abandon);
      if (response.socket === null || response.socket.destroyed) return abandon();
      finish(response, endpoint, request, index, fault);
    }, latency);
    response.once('close', abandon);
  }

  /** Routes a request whose body has been read completely. */
  function route(incoming: IncomingMessage, response: ServerResponse, text: string): void {
    const url = incoming.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    board.byPath[path] = (board.byPath[path] ?? 0) + 1;
    let body: any;
    let isJson = text === '';
    if (!isJson) {
      try {
        body = JSON.parse(text);
        isJson = true;
      } catch {
        body = text;
      }
    }
    const request: TestServerRequest = { path, body, headers: incoming.headers };
    if (recordRequests) requests.push(request);
    const endpoint = endpointOf(incoming.method, path);
    if (endpoint === undefined) {
      const accepted = authorization === undefined || [incoming.headers.authorization, `Bearer ${incoming.headers['api-key'] ?? incoming.headers['x-api-key']}`].includes(authorization);
      if (!accepted && /\/(files|batches)(\/|$)/.test(path)) return send(response, 401, errorBody(401, 'Incorrect API key provided.'));
      const batch = batchRoutes(incoming.method, path, text, incoming.headers, new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)));
      if (batch) {
        const reply = (): void => send(response, batch.status, batch.body, batch.contentType ? { 'content-type': batch.contentType } : undefined);
        if (batch.delayMs) setTimeout(reply, batch.delayMs);
        else reply();
        return;
      }
    }
    if (endpoint === undefined) return send(response, 404, errorBody(404, `Invalid URL (${incoming.method} ${path})`));
    if (endpoint !== 'models') board.requests++;
    if (authorization !== undefined && incoming.headers.authorization !== authorization) {
      return send(response, 401, errorBody(401, 'Incorrect API key provided.'));
    }
    if (endpoint === 'models') return send(response, 200, modelListBody);
    if (!isJson || typeof body !== 'object' || body === null) {
      return send(response, 400, errorBody(400, 'The request body must be a JSON object.'));
    }
    generate(response, endpoint, request);
  }

  return (incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('error', () => {});
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const text = chunks.length === 0 ? '' : chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString();
      route(incoming, response, text);
    });
  };
}
