/**
 * A local stand-in for an Azure OpenAI resource: `POST /openai/deployments/<deployment>/chat/completions` and
 * `…/completions`, which demand the `api-key` header, a known `api-version` query and an existing deployment, and
 * fail in Azure's shape `{ error: { code, message } }`. Answers are OpenAI completion envelopes; usage is counted in words.
 */
import { chatCompletionBody, completionBody, countMessageWords, countWords, promptsOf } from '../../../lib/testing/test-server-bodies.ts';
import { type FixtureReply, type FixtureRequest, type StandInServer, startHttpFixture } from './http-fixture.ts';
import { type ServiceFault, faultReply } from './service-fault.ts';

export interface AzureServerOptions {
  /** The one key accepted in the `api-key` header. @default 'test-azure-key' */
  readonly apiKey?: string;
  /** Deployments that exist. @default ['test-deployment'] */
  readonly deployments?: readonly string[];
  /** `api-version` values served. @default ['2024-10-21'] */
  readonly apiVersions?: readonly string[];
  /** Wait before answering generation requests, ms. @default 0 */
  readonly latencyMs?: number;
  /** Text of one answer; `index` counts generation requests from 0. @default `answer <index>.<choice>` */
  readonly respond?: (request: FixtureRequest, index: number, choice: number) => string;
  /** Failure for the generation request with this index, after the key, version and deployment checks pass. */
  readonly fault?: (request: FixtureRequest, index: number) => ServiceFault | undefined;
  /** Headers sent with every answer (`x-ratelimit-*`). */
  readonly answerHeaders?: Readonly<Record<string, string>>;
}

/** The running stand-in; its `url` is the resource endpoint. */
export type AzureServer = StandInServer;

const generationPath = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions)$/;

function azureError(status: number, code: string, message: string): FixtureReply {
  return { status, body: { error: { code, message } } };
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startAzureServer(options: AzureServerOptions = {}): Promise<AzureServer> {
  const { apiKey = 'test-azure-key', deployments = ['test-deployment'], apiVersions = ['2024-10-21'] } = options;
  const respond = options.respond ?? ((_request, index, choice) => `answer ${index}.${choice}`);
  let index = 0;

  function generation(request: FixtureRequest, deployment: string, isChat: boolean): FixtureReply {
    if (request.headers['api-key'] !== apiKey) {
      return azureError(401, '401', 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.');
    }
    if (!apiVersions.includes(request.query.get('api-version') ?? '')) return azureError(404, '404', 'Resource not found');
    if (!deployments.includes(deployment)) {
      return azureError(404, 'DeploymentNotFound', 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.');
    }
    if (typeof request.body !== 'object' || request.body === null) return azureError(400, 'BadRequest', 'The request body must be a JSON object.');
    const current = index++;
    const fault = options.fault?.(request, current);
    if (fault) return faultReply(fault, (status, message) => ({ error: { code: String(status), message } }));
    const body = request.body as Record<string, unknown>;
    const n = typeof body['n'] === 'number' && body['n'] > 0 ? body['n'] : 1;
    const prompts = isChat ? [''] : promptsOf(body['prompt']);
    const texts = Array.from({ length: prompts.length * n }, (_, choice) => respond(request, current, choice));
    const text = isChat
      ? chatCompletionBody(current, deployment, countMessageWords(body['messages']), texts)
      : completionBody(current, deployment, prompts.reduce((sum, prompt) => sum + countWords(prompt), 0), texts);
    return { status: 200, body: text, headers: { ...options.answerHeaders, 'content-type': 'application/json' } };
  }

  const fixture = await startHttpFixture({
    latencyMs: (request) => (generationPath.test(request.path) ? (options.latencyMs ?? 0) : 0),
    handle: (request) => {
      const match = generationPath.exec(request.path);
      if (request.method === 'POST' && match) return generation(request, decodeURIComponent(match[1]!), match[2] === 'chat/completions');
      return azureError(404, '404', 'Resource not found');
    },
  });

  return fixture;
}
