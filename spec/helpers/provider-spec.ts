/**
 * What the specs of the HTTP engines (Anthropic, Azure OpenAI, watsonx, native Ollama) share: the per-test
 * environment and stand-in servers, the calls and error probes, and the cases every engine meets alike.
 */
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import type { LanguageModel, ModelRequest, ModelResult } from '../../lib/model/language-model.ts';
import type { StandInServer } from './servers/http-fixture.ts';
import { waitFor } from './wait-for.ts';

/** Unsets `names` before each test of the calling file, so the machine's own settings cannot leak in; restores them after. */
export function useUnsetEnvironment(names: readonly string[]): void {
  beforeEach(() => {
    for (const name of names) vi.stubEnv(name, undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
}

/** Returns `startServer` wrapped so that the servers it starts are closed after each test of the calling file. */
export function useServers<Args extends unknown[], Server extends { close(): Promise<void> }>(
  startServer: (...args: Args) => Promise<Server>,
): (...args: Args) => Promise<Server> {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (...args) => {
    const server = await startServer(...args);
    servers.push(server);
    return server;
  };
}

/** Calls `model` with `request`; the call is aborted only through `signal`. */
export function generate(model: LanguageModel, request: ModelRequest, signal = new AbortController().signal): Promise<ModelResult> {
  return model.doGenerate(request, { signal });
}

/** A chat request of one user message. */
export function chat(content: string, params: Partial<Extract<ModelRequest, { method: 'chat' }>> = {}): ModelRequest {
  return { method: 'chat', messages: [{ role: 'user', content }], ...params };
}

/** The error a promise rejects with. */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** Everything an error shows: its message, its causes, its fields. */
export function everythingOf(error: unknown): string {
  return `${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
}

export interface ConnectionContractOptions<Server extends StandInServer> {
  /** Starts the engine's stand-in, answering generation requests after `latencyMs`, or dropping them. */
  readonly start: (options: { readonly latencyMs?: number; readonly fault?: () => { readonly drop: true } }) => Promise<Server>;
  /** The engine under test, on `server`. */
  readonly modelFor: (server: Server, settings?: { readonly timeoutMs?: number }) => LanguageModel;
  /** The request every case sends. */
  readonly request: ModelRequest;
  /** The URL `request` goes to. */
  readonly url: (server: Server) => string;
  /** Whether `request` has reached the server (a token exchange may come first). @default one request received */
  readonly received?: (server: Server) => boolean;
  /** Checks what an aborted call rejects with: the client's own abort error. */
  readonly expectAbort: (error: unknown) => void;
  /** The request a probe sends, as `METHOD path` with `?query` when it has one. */
  readonly probe: string;
}

/**
 * Registers the cases every HTTP engine meets alike, under `<name>: connection`: a dropped connection, a
 * timeout, an abort and the probe. The engine's own spec keeps the cases only it can state.
 */
export function describeConnectionContract<Server extends StandInServer>(name: string, options: ConnectionContractOptions<Server>): void {
  const { start, modelFor, request, url, received = (server) => server.requests.length === 1, expectAbort, probe } = options;

  describe(`${name}: connection`, () => {
    it('maps a dropped connection to a retryable ApiCallError without a status', async () => {
      const server = await start({ fault: () => ({ drop: true }) });
      const error = await failureOf(generate(modelFor(server), request));
      expect(ApiCallError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ statusCode: undefined, isRetryable: true });
      expect((error as Error).message).toMatch(new RegExp(`^request to ${url(server)} failed`));
    });

    it('maps a timeout to a 408 and closes the connection', async () => {
      const server = await start({ latencyMs: 60_000 });
      const error = await failureOf(generate(modelFor(server, { timeoutMs: 50 }), request));
      expect(error).toMatchObject({ statusCode: 408, isRetryable: true });
      expect((error as Error).message).toBe(`request to ${url(server)} timed out after 50 ms`);
      await waitFor(() => server.clientAborts === 1);
    });

    it('aborting a call closes its connection and rejects with the abort, not an ApiCallError', async () => {
      const server = await start({ latencyMs: 60_000 });
      const controller = new AbortController();
      const call = failureOf(generate(modelFor(server), request, controller.signal));
      await waitFor(() => received(server));
      controller.abort();
      const error = await call;
      expectAbort(error);
      expect(ApiCallError.isInstance(error)).toBe(false);
      await waitFor(() => server.clientAborts === 1);
    });

    it(`probes ${probe}: any answer will do, no answer rejects`, async () => {
      const server = await start({});
      const model = modelFor(server);
      await model.probe?.({ signal: new AbortController().signal });
      expect(server.requests.map((sent) => `${sent.method} ${sent.path}${sent.query.size > 0 ? `?${sent.query}` : ''}`)).toEqual([probe]);
      await server.close();
      await expect(model.probe?.({ signal: new AbortController().signal })).rejects.toThrow();
    });
  });
}
