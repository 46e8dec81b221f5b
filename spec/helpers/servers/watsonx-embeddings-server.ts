/**
 * A local stand-in for watsonx.ai's `POST /ml/v1/text/embeddings` and the IAM token exchange in front of it: one API
 * key, bearer tokens that a test may revoke, a `version` query and the project id required, errors in watsonx's shape
 * `{ errors: [{ code, message }], status_code }`. Vectors are the test server's hashed bag of words; usage counts words.
 */
import { countWords } from '../../../lib/testing/test-server-bodies.ts';
import { hashedEmbedding } from '../../../lib/testing/test-server-embeddings.ts';
import { type FixtureReply, type FixtureRequest, type StandInServer, startHttpFixture } from './http-fixture.ts';

export interface WatsonxEmbeddingsServerOptions {
  /** @default 'test-watsonx-key' */
  readonly apiKey?: string;
  /** @default 'test-project' */
  readonly projectId?: string;
  /** Vector length. @default 16 */
  readonly dimensions?: number;
  /** Failure for the embeddings request with this index, after the token, version and project checks. */
  readonly fault?: (index: number) => { readonly status: number; readonly retryAfterSeconds?: number } | undefined;
}

export interface WatsonxEmbeddingsServer extends StandInServer {
  /** Requests to the embeddings endpoint. */
  readonly apiRequests: readonly FixtureRequest[];
  /** Token exchanges received. */
  readonly exchanges: number;
  /** Invalidates every token issued so far: the next call with one gets a 401. */
  revokeTokens(): void;
}

function watsonxError(status: number, code: string, message: string, headers?: Record<string, string>): FixtureReply {
  return { status, body: { errors: [{ code, message }], trace: 'test-trace', status_code: status }, ...(headers ? { headers } : {}) };
}

/** Starts the stand-in on a free port of 127.0.0.1; its `url` is the origin of both the API and IAM. */
export async function startWatsonxEmbeddingsServer(options: WatsonxEmbeddingsServerOptions = {}): Promise<WatsonxEmbeddingsServer> {
  const { apiKey = 'test-watsonx-key', projectId = 'test-project', dimensions = 16 } = options;
  const live = new Set<string>();
  let exchanges = 0;
  let index = 0;

  function exchange(request: FixtureRequest): FixtureReply {
    exchanges++;
    const form = request.body as Record<string, string> | undefined;
    if (form?.['grant_type'] !== 'urn:ibm:params:oauth:grant-type:apikey' || form['apikey'] !== apiKey) {
      return { status: 400, body: { errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.' } };
    }
    const token = `embed-token-${exchanges}`;
    live.add(token);
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 3600, expiration: Math.floor(Date.now() / 1000) + 3600 } };
  }

  function embeddings(request: FixtureRequest): FixtureReply {
    const current = index++;
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    if (token === undefined || !live.has(token)) return watsonxError(401, 'authentication_token_not_valid', 'Failed to authenticate the request due to an invalid token');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(request.query.get('version') ?? '')) return watsonxError(400, 'missing_or_invalid_version', 'Missing or invalid query parameter `version`');
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    if (body['project_id'] !== projectId) return watsonxError(404, 'project_not_found', `Project ${String(body['project_id'])} was not found`);
    if (!Array.isArray(body['inputs'])) return watsonxError(400, 'json_validation_error', '`inputs` must be an array');
    const fault = options.fault?.(current);
    if (fault) {
      const headers = fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) };
      return watsonxError(fault.status, fault.status === 429 ? 'token_quota_reached' : 'test_fault', `Test server fault: status ${fault.status}`, headers);
    }
    const inputs = (body['inputs'] as unknown[]).map(String);
    return {
      status: 200,
      body: {
        model_id: body['model_id'],
        results: inputs.map((text) => ({ embedding: Array.from(hashedEmbedding(text, dimensions)) })),
        created_at: new Date().toISOString(),
        input_token_count: inputs.reduce((sum, text) => sum + countWords(text), 0),
      },
    };
  }

  const fixture = await startHttpFixture({
    handle: (request) => {
      if (request.method === 'POST' && request.path === '/identity/token') return exchange(request);
      if (request.method === 'POST' && request.path === '/ml/v1/text/embeddings') return embeddings(request);
      return watsonxError(404, 'not_found', `No route for ${request.method} ${request.path}`);
    },
  });
  return {
    url: fixture.url,
    requests: fixture.requests,
    get apiRequests() {
      return fixture.requests.filter((request) => request.path === '/ml/v1/text/embeddings');
    },
    get exchanges() {
      return exchanges;
    },
    get clientAborts() {
      return fixture.clientAborts;
    },
    revokeTokens: () => live.clear(),
    close: () => fixture.close(),
  };
}
