/**
 * A small scripted HTTP server on 127.0.0.1 for wire-protocol tests: it records every request, waits out a
 * latency, counts the clients that leave during the wait, and answers what the handler says.
 */
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeDestroyingSockets } from '../../../lib/testing/server-close.ts';

/** One request as the fixture received it. */
export interface FixtureRequest {
  readonly method: string;
  /** URL path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case names, as Node parses them. */
  readonly headers: IncomingHttpHeaders;
  /** JSON-parsed, or a record for a form body; the raw text when neither parses; undefined when empty. */
  readonly body: any;
}

/** What the fixture answers: a status with a body (strings are sent raw, anything else as JSON), or a dropped socket. */
export type FixtureReply =
  | { readonly status: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly drop: true };

export interface HttpFixtureOptions {
  /** Answers one request, once its latency has passed. A throw becomes a 500. */
  readonly handle: (request: FixtureRequest) => FixtureReply;
  /** Wait before answering, in ms. @default () => 0 */
  readonly latencyMs?: (request: FixtureRequest) => number;
}

export interface HttpFixture {
  /** Origin, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** Every request received, in order of arrival. */
  readonly requests: readonly FixtureRequest[];
  /** Requests whose client closed the connection before the answer. */
  readonly clientAborts: number;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /** Stops listening and destroys every open socket; resolves once all are closed. */
  close(): Promise<void>;
}

/** What a service stand-in built on a fixture shows its tests: the fixture, less `inFlight`. */
export type StandInServer = Pick<HttpFixture, 'url' | 'requests' | 'clientAborts' | 'close'>;

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (contentType?.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Starts a fixture on a free port of 127.0.0.1. */
export async function startHttpFixture(options: HttpFixtureOptions): Promise<HttpFixture> {
  const requests: FixtureRequest[] = [];
  let clientAborts = 0;
  let inFlight = 0;
  let closing = false;

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://fixture');
      const request: FixtureRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: parseBody(Buffer.concat(chunks).toString(), incoming.headers['content-type']),
      };
      requests.push(request);
      inFlight++;
      let answered = false;
      const answer = () => {
        if (answered) return;
        answered = true;
        inFlight--;
        response.off('close', leave);
        let reply: FixtureReply;
        try {
          reply = options.handle(request);
        } catch (error) {
          reply = { status: 500, body: { error: `fixture handler threw: ${String(error)}` } };
        }
        if ('drop' in reply) return void response.socket?.destroy();
        const isText = typeof reply.body === 'string';
        const text = isText ? (reply.body as string) : JSON.stringify(reply.body);
        response.writeHead(reply.status, { 'content-type': isText ? 'text/plain' : 'application/json', ...reply.headers });
        response.end(text);
      };
      const leave = () => {
        if (answered) return;
        answered = true;
        inFlight--;
        clearTimeout(timer);
        if (!closing) clientAborts++;
      };
      const latency = options.latencyMs?.(request) ?? 0;
      const timer = latency > 0 ? setTimeout(answer, latency) : undefined;
      if (timer === undefined) return answer();
      response.once('close', leave);
    });
  });
  const close = closeDestroyingSockets(server, () => {
    closing = true;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get clientAborts() {
      return clientAborts;
    },
    get inFlight() {
      return inFlight;
    },
    close,
  };
}
