/**
 * A local stand-in for Ollama's `POST /api/embed` (`input`: a string or an array; `embeddings` back, already of
 * length 1, as Ollama gives them; `prompt_eval_count` in words) and `GET /api/version`, with Ollama's error shape
 * `{ error: "..." }` and a 404 for a model that is not pulled. Vectors are the test server's hashed bag of words.
 */
import { countWords } from '../../../lib/testing/test-server-bodies.ts';
import { hashedEmbedding } from '../../../lib/testing/test-server-embeddings.ts';
import { type FixtureReply, type FixtureRequest, type StandInServer, startHttpFixture } from './http-fixture.ts';

export interface OllamaEmbedServerOptions {
  /** Models that are pulled. @default ['embed-model'] */
  readonly models?: readonly string[];
  /** Vector length when the body sets no `dimensions`. @default 32 */
  readonly dimensions?: number;
  /** Wait before answering, ms. @default 0 */
  readonly latencyMs?: number;
  /** Failure (status and message) for the embed request with this index. */
  readonly fault?: (request: FixtureRequest, index: number) => { readonly status: number; readonly message?: string } | undefined;
}

/** Starts the stand-in on a free port of 127.0.0.1. */
export async function startOllamaEmbedServer(options: OllamaEmbedServerOptions = {}): Promise<StandInServer> {
  const models = new Set(options.models ?? ['embed-model']);
  let index = 0;

  function embed(request: FixtureRequest): FixtureReply {
    const current = index++;
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    if (typeof body['model'] !== 'string' || !models.has(body['model'])) return { status: 404, body: { error: `model "${String(body['model'])}" not found, try pulling it first` } };
    const fault = options.fault?.(request, current);
    if (fault) return { status: fault.status, body: { error: fault.message ?? `test server fault: status ${fault.status}` } };
    const input = body['input'];
    const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input.map(String) : [];
    const dimensions = typeof body['dimensions'] === 'number' ? body['dimensions'] : (options.dimensions ?? 32);
    return {
      status: 200,
      body: {
        model: body['model'],
        embeddings: texts.map((text) => Array.from(hashedEmbedding(text, dimensions))),
        total_duration: 1000,
        load_duration: 10,
        prompt_eval_count: texts.reduce((sum, text) => sum + countWords(text), 0),
      },
    };
  }

  const fixture = await startHttpFixture({
    latencyMs: (request) => (request.path === '/api/embed' ? (options.latencyMs ?? 0) : 0),
    handle: (request) => {
      if (request.method === 'POST' && request.path === '/api/embed') return embed(request);
      if (request.method === 'GET' && request.path === '/api/version') return { status: 200, body: { version: '0.12.6' } };
      return { status: 404, body: '404 page not found' };
    },
  });
  return {
    url: fixture.url,
    requests: fixture.requests,
    get clientAborts() {
      return fixture.clientAborts;
    },
    close: () => fixture.close(),
  };
}
