/**
 * A local stand-in for IBM watsonx.ai and its IAM: `POST /identity/token` exchanges the one API key it knows for
 * bearer tokens that expire; `POST /ml/v1/text/chat` and `/ml/v1/text/generation` demand a live token, a
 * `version` query and the project id, and fail in watsonx's error shape `{ errors: [{ code, message }], status_code }`.
 * Usage is counted in words.
 */
import { countWords } from '../../../lib/testing/test-server-bodies.ts';
import { type FixtureReply, type FixtureRequest, type StandInServer, startHttpFixture } from './http-fixture.ts';

/** A scripted failure: a watsonx-shaped error (with `Retry-After` when set), or a dropped connection. */
export type WatsonxFault = { readonly status: number; readonly retryAfterSeconds?: number; readonly code?: string; readonly message?: string } | { readonly drop: true };

export interface WatsonxServerOptions {
  /** The one API key IAM accepts. @default 'test-watsonx-key' */
  readonly apiKey?: string;
  /** The one project the API accepts. @default 'test-project' */
  readonly projectId?: string;
  /** Lifetime of issued tokens (`expires_in`). @default 3600 */
  readonly tokenLifetimeSeconds?: number;
  /** The server's clock in ms, for token expiry; share a fake one with the client to test refresh. @default Date.now */
  readonly now?: () => number;
  /** Wait before answering chat and generation requests, ms. @default 0 */
  readonly latencyMs?: number;
  /** Wait before answering a token exchange, ms. @default 0 */
  readonly iamLatencyMs?: number;
  /** Text of one answer; `index` counts API requests from 0. @default `answer <index>.<choice>` */
  readonly respond?: (request: FixtureRequest, index: number, choice: number) => string;
  /** Failure for the API request with this index, after the token, version and project checks pass. */
  readonly fault?: (request: FixtureRequest, index: number) => WatsonxFault | undefined;
  /** Failure for the token exchange with this index (0-based). */
  readonly iamFault?: (index: number) => WatsonxFault | undefined;
}

/** The running stand-in; its `url` is the origin of both the API and IAM. */
export interface WatsonxServer extends StandInServer {
  /** Requests to the chat and generation endpoints. */
  readonly apiRequests: readonly FixtureRequest[];
  /** Token exchanges received (`POST /identity/token`). */
  readonly exchanges: number;
  /** Tokens issued, in order. */
  readonly tokens: readonly string[];
  /** Invalidates every token issued so far: the next API call with one gets a 401. */
  revokeTokens(): void;
}

const apiPaths = new Set(['/ml/v1/text/chat', '/ml/v1/text/generation']);

function watsonxError(status: number, code: string, message: string, headers?: Record<string, string>): FixtureReply {
  return { status, body: { errors: [{ code, message }], trace: 'test-trace', status_code: status }, ...(headers ? { headers } : {}) };
}

function faultReply(fault: WatsonxFault): FixtureReply {
  if ('drop' in fault) return fault;
  const headers = fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) };
  const code = fault.code ?? (fault.status === 429 ? 'token_quota_reached' : 'test_fault');
  return watsonxError(fault.status, code, fault.message ?? `Test server fault: status ${fault.status}`, headers);
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startWatsonxServer(options: WatsonxServerOptions = {}): Promise<WatsonxServer> {
  const { apiKey = 'test-watsonx-key', projectId = 'test-project', tokenLifetimeSeconds = 3600, now = Date.now } = options;
  const respond = options.respond ?? ((_request, index, choice) => `answer ${index}.${choice}`);
  /** Live tokens and when each expires (ms on the server's clock). */
  const live = new Map<string, number>();
  const tokens: string[] = [];
  let exchanges = 0;
  let apiIndex = 0;

  function exchange(request: FixtureRequest): FixtureReply {
    const fault = options.iamFault?.(exchanges);
    exchanges++;
    if (fault) return faultReply(fault);
    const form = request.body as Record<string, string> | undefined;
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return { status: 400, body: { errorCode: 'BXNIM0109E', errorMessage: 'Property missing or empty. Property name: grant_type' } };
    }
    if (form?.['grant_type'] !== 'urn:ibm:params:oauth:grant-type:apikey') {
      return { status: 400, body: { errorCode: 'BXNIM0103E', errorMessage: 'Unsupported grant type.' } };
    }
    if (form['apikey'] !== apiKey) {
      return { status: 400, body: { errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.', context: { requestId: 'test' } } };
    }
    const token = `test-token-${tokens.length + 1}`;
    tokens.push(token);
    live.set(token, now() + tokenLifetimeSeconds * 1000);
    const body = {
      access_token: token,
      refresh_token: 'not_supported',
      token_type: 'Bearer',
      expires_in: tokenLifetimeSeconds,
      expiration: Math.floor(now() / 1000) + tokenLifetimeSeconds,
      scope: 'ibm openid',
    };
    return { status: 200, body };
  }

  function answer(request: FixtureRequest, index: number): FixtureReply {
    const body = request.body as Record<string, unknown>;
    if (request.path === '/ml/v1/text/chat') {
      const n = typeof body['n'] === 'number' && body['n'] > 0 ? body['n'] : 1;
      const texts = Array.from({ length: n }, (_, choice) => respond(request, index, choice));
      const messages = Array.isArray(body['messages']) ? (body['messages'] as { content?: unknown }[]) : [];
      const promptTokens = messages.reduce((sum, message) => sum + (typeof message.content === 'string' ? countWords(message.content) : 0), 0);
      const completionTokens = texts.reduce((sum, text) => sum + countWords(text), 0);
      return {
        status: 200,
        body: {
          id: `chatcmpl-${index}`,
          model_id: body['model_id'],
          model: body['model_id'],
          choices: texts.map((content, choice) => ({ index: choice, message: { role: 'assistant', content }, finish_reason: 'stop' })),
          created: Math.floor(now() / 1000),
          usage: { completion_tokens: completionTokens, prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens },
        },
      };
    }
    const text = respond(request, index, 0);
    const input = typeof body['input'] === 'string' ? body['input'] : '';
    const result = { generated_text: text, generated_token_count: countWords(text), input_token_count: countWords(input), stop_reason: 'eos_token' };
    return { status: 200, body: { model_id: body['model_id'], created_at: new Date(now()).toISOString(), results: [result] } };
  }

  function api(request: FixtureRequest): FixtureReply {
    const index = apiIndex++;
    const authorization = request.headers.authorization;
    if (authorization === undefined) return watsonxError(401, 'authorization_rejected', 'Authorization header is missing');
    const expiresAt = live.get(authorization.replace(/^Bearer /, ''));
    if (!authorization.startsWith('Bearer ') || expiresAt === undefined) return watsonxError(401, 'authentication_token_not_valid', 'Failed to authenticate the request due to an invalid token');
    if (now() >= expiresAt) return watsonxError(401, 'authentication_token_expired', 'Failed to authenticate the request due to an expired token');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(request.query.get('version') ?? '')) {
      return watsonxError(400, 'missing_or_invalid_version', 'Missing or invalid query parameter `version`');
    }
    if (typeof request.body !== 'object' || request.body === null) return watsonxError(400, 'json_validation_error', 'The body must be a JSON object');
    const body = request.body as Record<string, unknown>;
    if (body['project_id'] === undefined) return watsonxError(400, 'json_validation_error', 'Either project_id or space_id is required');
    if (body['project_id'] !== projectId) return watsonxError(404, 'project_not_found', `Project ${String(body['project_id'])} was not found`);
    if (typeof body['model_id'] !== 'string') return watsonxError(400, 'json_validation_error', 'model_id is required');
    const fault = options.fault?.(request, index);
    return fault ? faultReply(fault) : answer(request, index);
  }

  const fixture = await startHttpFixture({
    latencyMs: (request) => (request.path === '/identity/token' ? (options.iamLatencyMs ?? 0) : apiPaths.has(request.path) ? (options.latencyMs ?? 0) : 0),
    handle: (request) => {
      if (request.method === 'POST' && request.path === '/identity/token') return exchange(request);
      if (request.method === 'POST' && apiPaths.has(request.path)) return api(request);
      return watsonxError(404, 'not_found', `No route for ${request.method} ${request.path}`);
    },
  });

  return {
    url: fixture.url,
    requests: fixture.requests,
    get apiRequests() {
      return fixture.requests.filter((request) => apiPaths.has(request.path));
    },
    get exchanges() {
      return exchanges;
    },
    tokens,
    get clientAborts() {
      return fixture.clientAborts;
    },
    revokeTokens: () => live.clear(),
    close: () => fixture.close(),
  };
}
