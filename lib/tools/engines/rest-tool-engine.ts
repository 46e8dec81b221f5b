import { Observable, concatMap, defer, from, map, reduce } from 'rxjs';
import { errorMessage } from '../../error-message.ts';
import { redactUrl } from '../../redact-url.ts';
import { restMetadataKeys } from '../loaders/openapi-tools.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import type { ToolCall, ToolResult } from '../tool.ts';
import type { RestEngineConfig } from '../tools-config.ts';
import { authorizationOf, blankSecrets } from '../tool-credentials.ts';
import type { ToolEngine, ToolExecution } from './tool-engine.ts';
import { ToolSessions } from './tool-sessions.ts';

/** A JSON value as a query or header string: strings as they are, the rest as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The request of one call, or the reason it cannot be made. */
function requestOf(call: ToolCall, metadata: Readonly<Record<string, unknown>>, config: RestEngineConfig): { url: URL; init: RequestInit; shown: string } | { error: string } {
  const base = metadata[restMetadataKeys.baseUrl];
  if (typeof base !== 'string' || !base) return { error: `Tool '${call.name}' metadata missing '${restMetadataKeys.baseUrl}'. Was it loaded by the rest loader?` };
  const method = typeof metadata[restMetadataKeys.method] === 'string' ? (metadata[restMetadataKeys.method] as string) : 'GET';
  const template = typeof metadata[restMetadataKeys.path] === 'string' ? (metadata[restMetadataKeys.path] as string) : '';
  const locations = (metadata[restMetadataKeys.locations] ?? {}) as Readonly<Record<string, string>>;
  let missing: string | undefined;
  const path = template.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    if (locations[name] === 'path' && call.arguments[name] !== undefined) return encodeURIComponent(text(call.arguments[name]));
    missing ??= name;
    return '';
  });
  if (missing !== undefined) return { error: `Missing required path parameter: '${missing}'` };
  const url = new URL(base + path);
  const headers: Record<string, string> = { accept: 'application/json', ...config.headers };
  const authorization = authorizationOf(config);
  if (authorization !== undefined) headers['authorization'] = authorization;
  if (config.api_key?.location === 'header') headers[config.api_key.name] = config.api_key.value;
  if (config.api_key?.location === 'query') url.searchParams.set(config.api_key.name, config.api_key.value);
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(call.arguments)) {
    const location = locations[name] ?? 'query';
    if (location === 'query') for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, text(item));
    else if (location === 'header') headers[name] = text(value);
    else if (location === 'body') body[name] = value;
  }
  const hasBody = Object.keys(body).length > 0;
  if (hasBody) headers['content-type'] = 'application/json';
  // Errors name the operation, never the URL: its query may hold an API key of any name.
  return { url, init: { method, headers, ...(hasBody ? { body: JSON.stringify(body) } : {}) }, shown: `${method} ${redactUrl(base)}${template}` };
}

/** One HTTP request, cancelled on unsubscribe; HTTP and network failures become error results. */
function send(call: ToolCall, request: { url: URL; init: RequestInit; shown: string }, config: RestEngineConfig): Observable<ToolResult> {
  const timeoutMs = config.timeout * 1000;
  return new Observable<ToolResult>((subscriber) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    const done = (result: Omit<ToolResult, 'callId' | 'name'>): void => {
      subscriber.next({ callId: call.callId, name: call.name, ...result });
      subscriber.complete();
    };
    fetch(request.url, { ...request.init, signal: controller.signal })
      .then(async (response) => {
        const body = await response.text();
        // A server that echoes the request must not put the credentials in the record.
        if (!response.ok) return done({ error: `HTTP ${response.status}: ${blankSecrets(body.slice(0, 200), config)}` });
        try {
          return done({ result: JSON.parse(body) as unknown });
        } catch {
          return done({ result: body });
        }
      })
      .catch((error: unknown) => {
        if (!subscriber.closed) done({ error: `${request.shown} failed: ${blankSecrets(errorMessage(controller.signal.reason ?? error), config)}` });
      })
      .finally(() => clearTimeout(timer));
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  });
}

/**
 * DGT's `rest` tool engine: each call is a real HTTP request to the tool's REST operation (as the `rest` loader
 * recorded it): path parameters into the path, query parameters into the query, header parameters into headers,
 * body parameters into a JSON body, with `bearer_token`, `basic_auth`, `api_key` (header or query) and `headers` on
 * every request. A JSON answer is the result (else its text); an HTTP error is `HTTP <status>: <body start>`.
 * Calls of a batch run in order; `simulate` sends them too (the API is live), it only keeps no history.
 *
 * ## Example
 * ```yaml
 * engines:
 *   live: { type: rest, bearer_token: "${PETSTORE_TOKEN}", timeout: 10 }
 * ```
 */
export function restToolEngine(config: RestEngineConfig & { readonly registry: ToolRegistry }): ToolEngine {
  const sessions = new ToolSessions<Record<string, never>>(() => ({}));
  const run = (sessionId: string, calls: readonly ToolCall[]): Observable<ToolExecution> =>
    defer(() => {
      sessions.get(sessionId);
      return from(calls).pipe(
        concatMap((call) => {
          const tool = config.registry.match(call, config.namespaces);
          if (!tool) return [{ callId: call.callId, name: call.name, error: `Unknown tool '${call.namespace}::${call.name}'` }];
          const credentials = config.bearer_token !== undefined || config.basic_auth !== undefined || config.api_key !== undefined;
          if (credentials && tool.metadata[restMetadataKeys.trusted] === false) {
            const base = redactUrl(String(tool.metadata[restMetadataKeys.baseUrl]));
            return [{ callId: call.callId, name: call.name, error: `Tool '${call.name}': its API at ${base} is not where its OpenAPI document came from, so the engine's credentials are not sent there; set \`base_url\` on the rest loader to confirm it` }];
          }
          const request = requestOf(call, tool.metadata, config);
          return 'error' in request ? [{ callId: call.callId, name: call.name, error: request.error }] : send(call, request, config);
        }),
        reduce((results, result) => [...results, result], [] as ToolResult[]),
        map((results) => ({ results, usage: undefined })),
      );
    });
  return {
    type: 'rest',
    setup: (sessionId, options) => sessions.setup(sessionId, options),
    teardown: (sessionId) => sessions.teardown(sessionId),
    execute: run,
    simulate: run,
    sessionState: (sessionId) => (sessions.has(sessionId) ? {} : undefined),
  };
}
