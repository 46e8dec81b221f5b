/**
 * A local stand-in for Ollama's native API: `POST /api/chat`, `POST /api/generate` (a stream of NDJSON chunks
 * unless the body says `stream: false`, as Ollama does), `GET /api/version`, and Ollama's error shape
 * `{ error: "..." }`, with a 404 for a model that is not pulled. Usage is counted in words.
 */
import { countWords } from '../../../lib/testing/test-server-bodies.ts';
import { type FixtureReply, type FixtureRequest, type StandInServer, startHttpFixture } from './http-fixture.ts';

/** A scripted failure: an Ollama-shaped error, or a dropped connection. */
export type OllamaFault = { readonly status: number; readonly message?: string } | { readonly drop: true };

export interface OllamaServerOptions {
  /** Models that are pulled. @default ['test-model'] */
  readonly models?: readonly string[];
  /** Wait before answering chat and generate requests, ms. @default 0 */
  readonly latencyMs?: number;
  /** Text of the answer; `index` counts chat and generate requests from 0. @default `answer <index>` */
  readonly respond?: (request: FixtureRequest, index: number) => string;
  /** Failure for the request with this index, after the model check passes. */
  readonly fault?: (request: FixtureRequest, index: number) => OllamaFault | undefined;
}

/** The running stand-in; its `url` is what `OLLAMA_HOST` would hold. */
export type OllamaServer = StandInServer;

const generationPaths = new Set(['/api/chat', '/api/generate']);

function ollamaError(status: number, message: string): FixtureReply {
  return { status, body: { error: message } };
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startOllamaServer(options: OllamaServerOptions = {}): Promise<OllamaServer> {
  const models = new Set(options.models ?? ['test-model']);
  const respond = options.respond ?? ((_request, index) => `answer ${index}`);
  let index = 0;

  function generation(request: FixtureRequest): FixtureReply {
    const current = index++;
    if (typeof request.body !== 'object' || request.body === null) return ollamaError(400, 'invalid character in request body');
    const body = request.body as Record<string, unknown>;
    if (typeof body['model'] !== 'string' || body['model'] === '') return ollamaError(400, 'model is required');
    if (!models.has(body['model'])) return ollamaError(404, `model "${body['model']}" not found, try pulling it first`);
    const fault = options.fault?.(request, current);
    if (fault) return 'drop' in fault ? fault : ollamaError(fault.status, fault.message ?? `test server fault: status ${fault.status}`);
    const isChat = request.path === '/api/chat';
    const text = respond(request, current);
    const messages = Array.isArray(body['messages']) ? (body['messages'] as { content?: unknown }[]) : [];
    const promptTokens = isChat
      ? messages.reduce((sum, message) => sum + (typeof message.content === 'string' ? countWords(message.content) : 0), 0)
      : countWords(typeof body['prompt'] === 'string' ? body['prompt'] : '');
    const output = isChat ? { message: { role: 'assistant', content: text } } : { response: text };
    const final = {
      model: body['model'],
      created_at: new Date().toISOString(),
      ...output,
      done: true,
      done_reason: 'stop',
      total_duration: 1000,
      load_duration: 10,
      prompt_eval_count: promptTokens,
      prompt_eval_duration: 100,
      eval_count: countWords(text),
      eval_duration: 500,
    };
    if (body['stream'] === false) return { status: 200, body: final };
    // Ollama streams unless told not to: one chunk with the text, then the final one with an empty text.
    const empty = isChat ? { message: { role: 'assistant', content: '' } } : { response: '' };
    const chunk = { model: body['model'], created_at: final.created_at, ...output, done: false };
    const lines = `${JSON.stringify(chunk)}\n${JSON.stringify({ ...final, ...empty })}\n`;
    return { status: 200, body: lines, headers: { 'content-type': 'application/x-ndjson' } };
  }

  const fixture = await startHttpFixture({
    latencyMs: (request) => (generationPaths.has(request.path) ? (options.latencyMs ?? 0) : 0),
    handle: (request) => {
      if (request.method === 'POST' && generationPaths.has(request.path)) return generation(request);
      if (request.method === 'GET' && request.path === '/api/version') return { status: 200, body: { version: '0.12.6' } };
      // Ollama answers unknown paths with a plain-text 404.
      return { status: 404, body: '404 page not found' };
    },
  });

  return fixture;
}
