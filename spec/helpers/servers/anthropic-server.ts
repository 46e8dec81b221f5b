/**
 * A local stand-in for Anthropic's Messages API: `POST /v1/messages` demands the key (`x-api-key`, or
 * `Authorization: Bearer` as the SDK sends it), a known `anthropic-version`, `max_tokens` and user/assistant turns,
 * and refuses unknown fields as the API does (on 2026-10-21, `temperature`, `top_p` and `top_k` too). It answers
 * with a text block, or with a `tool_use` block when `tool_choice` forces a tool, and honours `stop_sequences`.
 * Errors have the shape `{ type: 'error', error: { type, message } }`. Usage is counted in words.
 */
import { countWords } from '../../../lib/testing/test-server-bodies.ts';
import { type FixtureReply, type FixtureRequest, type StandInServer, startHttpFixture } from './http-fixture.ts';
import { type ServiceFault, faultReply } from './service-fault.ts';

export interface AnthropicServerOptions {
  /** The one key accepted. @default 'test-anthropic-key' */
  readonly apiKey?: string;
  /** Wait before answering, ms. @default 0 */
  readonly latencyMs?: number;
  /** Text of an answer; `index` counts message requests from 0. @default `answer <index>` */
  readonly respond?: (request: FixtureRequest, index: number) => string;
  /** Input of a forced tool call. @default `{ answer: 'answer <index>' }` */
  readonly respondTool?: (request: FixtureRequest, index: number) => unknown;
  /** Failure for the request with this index, after the key, version and body checks pass. */
  readonly fault?: (request: FixtureRequest, index: number) => ServiceFault | undefined;
  /** Headers sent with every answer (`anthropic-ratelimit-*`). */
  readonly answerHeaders?: Readonly<Record<string, string>>;
}

/** The running stand-in; its `url` is the SDK's `baseURL`. */
export type AnthropicServer = StandInServer;

const versions = new Set(['2023-06-01', '2026-10-21']);
const fields = new Set(['model', 'max_tokens', 'messages', 'system', 'stop_sequences', 'tools', 'tool_choice', 'metadata', 'stream', 'thinking', 'service_tier', 'output_config']);
const sampling = new Set(['temperature', 'top_p', 'top_k']);

const errorTypes: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function errorBody(status: number, message: string): unknown {
  return { type: 'error', error: { type: errorTypes[status] ?? 'api_error', message }, request_id: 'req_test' };
}

function anthropicError(status: number, message: string): FixtureReply {
  return { status, body: errorBody(status, message) };
}

/** What is wrong with a request body, as the API words it; undefined when nothing is. */
function problemOf(body: Record<string, unknown>, version: string): string | undefined {
  for (const key of Object.keys(body)) {
    if (!fields.has(key) && !(sampling.has(key) && version === '2023-06-01')) return `${key}: Extra inputs are not permitted`;
  }
  if (typeof body['model'] !== 'string') return 'model: Field required';
  if (!Number.isInteger(body['max_tokens'])) return 'max_tokens: Field required';
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  const system = messages.find((message) => (message as { role?: unknown }).role === 'system');
  if (system) return 'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.';
  const choice = body['tool_choice'] as { type?: unknown; name?: unknown } | undefined;
  const tools = Array.isArray(body['tools']) ? (body['tools'] as { name?: unknown }[]) : [];
  if (choice?.type === 'tool' && !tools.some((tool) => tool.name === choice.name)) return `tool_choice: Tool '${String(choice.name)}' not found in tools`;
  return undefined;
}

function wordsOf(content: unknown): number {
  if (typeof content === 'string') return countWords(content);
  return Array.isArray(content) ? content.reduce((sum: number, block) => sum + wordsOf((block as { text?: unknown }).text), 0) : 0;
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startAnthropicServer(options: AnthropicServerOptions = {}): Promise<AnthropicServer> {
  const { apiKey = 'test-anthropic-key' } = options;
  const respond = options.respond ?? ((_request, index) => `answer ${index}`);
  const respondTool = options.respondTool ?? ((_request, index) => ({ answer: `answer ${index}` }));
  let index = 0;

  function messages(request: FixtureRequest): FixtureReply {
    const { headers } = request;
    if (headers['x-api-key'] !== apiKey && headers.authorization !== `Bearer ${apiKey}`) return anthropicError(401, 'invalid x-api-key');
    const version = headers['anthropic-version'];
    if (typeof version !== 'string') return anthropicError(400, 'anthropic-version: header is required');
    if (!versions.has(version)) return anthropicError(400, `anthropic-version: unknown version ${version}`);
    if (typeof request.body !== 'object' || request.body === null) return anthropicError(400, 'The request body is not valid JSON.');
    const body = request.body as Record<string, unknown>;
    const problem = problemOf(body, version);
    if (problem) return anthropicError(400, problem);
    const current = index++;
    const fault = options.fault?.(request, current);
    if (fault) return faultReply(fault, errorBody);

    const choice = body['tool_choice'] as { type?: unknown; name?: unknown } | undefined;
    let content: unknown[];
    let stopReason = 'end_turn';
    let stopSequence: string | null = null;
    let outputTokens: number;
    if (choice?.type === 'tool') {
      const input = respondTool(request, current);
      content = [{ type: 'tool_use', id: `toolu_test_${current}`, name: choice.name, input }];
      stopReason = 'tool_use';
      outputTokens = countWords(JSON.stringify(input));
    } else {
      let text = respond(request, current);
      const stops = Array.isArray(body['stop_sequences']) ? (body['stop_sequences'] as string[]) : [];
      const hit = stops.map((stop) => ({ stop, at: text.indexOf(stop) })).filter(({ at }) => at !== -1).sort((a, b) => a.at - b.at)[0];
      if (hit) {
        text = text.slice(0, hit.at);
        stopReason = 'stop_sequence';
        stopSequence = hit.stop;
      }
      content = [{ type: 'text', text }];
      outputTokens = countWords(text);
    }
    const inputTokens = wordsOf(body['system']) + (body['messages'] as { content?: unknown }[]).reduce((sum, message) => sum + wordsOf(message.content), 0);
    const answer = {
      id: `msg_test_${current}`,
      type: 'message',
      role: 'assistant',
      model: body['model'],
      content,
      stop_reason: stopReason,
      stop_sequence: stopSequence,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    return { status: 200, body: answer, ...(options.answerHeaders ? { headers: options.answerHeaders } : {}) };
  }

  const fixture = await startHttpFixture({
    latencyMs: (request) => (request.path === '/v1/messages' ? (options.latencyMs ?? 0) : 0),
    handle: (request) => (request.method === 'POST' && request.path === '/v1/messages' ? messages(request) : anthropicError(404, 'Not found')),
  });

  return fixture;
}
