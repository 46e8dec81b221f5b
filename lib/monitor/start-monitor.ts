import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { resolve } from 'node:path';
import type { Observable, Subscription } from 'rxjs';
import { ConfigError } from '../errors/config-error.ts';
import { describeFsCause } from '../errors/datastore-error.ts';
import type { RunEvent } from '../telemetry/run-event.ts';
import { monitorPage } from './monitor-page.ts';
import { monitorSnapshot } from './monitor-snapshot.ts';
import { applyEvent } from './monitor-state.ts';
import { RunFolderReader } from './read-run-folder.ts';

/** Bytes waiting for a page that does not read, past which it is let go. */
const maxBufferedBytes = 8 << 20;

/** The monitor's address: loopback only, so a run's records are never served to the network. */
const host = '127.0.0.1';

/** Settings of {@link startMonitor}. */
export interface MonitorOptions {
  /** The run's output folder (`--output-dir`): its task folders are read at start, and again and again without `events`. */
  readonly outputDir: string;
  /** A telemetry folder whose `traces*.jsonl` give LM latencies of runs before this one. @default none */
  readonly telemetryDir?: string | undefined;
  /** The live events of a run in this process (`RunTelemetry.events`): subscribe before the run starts. @default none: the folders are re-read every `pollMs` */
  readonly events?: Observable<RunEvent> | undefined;
  /** The port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number | undefined;
  /** How often the folders are read again when there is no live stream (ms). @default 2000 */
  readonly pollMs?: number | undefined;
  /** The least time between two pushes of the state to a page (ms). @default 250 */
  readonly throttleMs?: number | undefined;
  /** How often an idle event stream gets a comment, so proxies and browsers keep it open (ms). @default 15000 */
  readonly heartbeatMs?: number | undefined;
  /** The clock of rates, ETAs and folder reads (ms since the epoch). @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** A running monitor. */
export interface Monitor {
  /**
   * `http://127.0.0.1:<port>/?token=<token>`: the page, which keeps the token in a cookie for `api/state` (the state as
   * JSON) and `events` (the server-sent events). Every request needs the token (query or cookie).
   */
  readonly url: string;
  readonly port: number;
  /** The secret every request must carry: another user of this machine cannot read the run's records without it. */
  readonly token: string;
  /** Ends every event stream and stops the server. */
  close(): Promise<void>;
}

/**
 * Serves the run monitor on 127.0.0.1: `GET /` a self-contained page showing, live, each task's progress, rate, ETA,
 * rejects by block and reason, tokens and cost, each engine's LM latency percentiles and admission state, and sample
 * records; `GET /api/state` the same as JSON; `GET /events` server-sent events, each an `event: state` with the whole
 * state, at most every `throttleMs`, with a heartbeat comment when idle. The state starts from the output folder
 * (so a finished or crashed run opens too), then follows `events` when given, else re-reads the folders every
 * `pollMs` (a run in another process). Requests naming another host are refused (a web page cannot reach the
 * monitor through DNS rebinding). Nothing in the output folder is ever written.
 *
 * ## Example
 * ```ts
 * import { RunTelemetry, startMonitor } from 'rxdgt';
 * const telemetry = new RunTelemetry();
 * const monitor = await startMonitor({ outputDir: 'output', events: telemetry.events, port: 8123 });
 * console.log(monitor.url); // http://127.0.0.1:8123/?token=...
 * // ... run the tasks with telemetry.hooks(task) ...
 * await monitor.close();
 * ```
 *
 * @throws {ConfigError} when the port is in use (`the monitor's port 8123 is in use`), not allowed, or no port number
 */
export async function startMonitor(options: MonitorOptions): Promise<Monitor> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`the monitor's port must be an integer from 0 to 65535, received ${String(port)}`, { field: 'port' });
  }
  const now = options.now ?? Date.now;
  const throttleMs = options.throttleMs ?? 250;
  const outputDir = resolve(options.outputDir);
  const reader = new RunFolderReader(outputDir, { telemetryDir: options.telemetryDir, now });
  const state = await reader.read();
  const clients = new Set<ServerResponse>();
  /** Whether the page gets updates: until the live stream ends (always, when the folders are polled). */
  let live = true;
  let closed = false;
  let version = 0;
  let content = '';
  let pushed = -1;
  let lastPush = Number.NEGATIVE_INFINITY;
  let pending: NodeJS.Timeout | undefined;

  /** The state as JSON, its `version` bumped whenever anything but the time changed. */
  const current = (): string => {
    const snapshot = monitorSnapshot(state, now());
    const { now: _now, ...rest } = snapshot;
    const text = JSON.stringify(rest);
    if (text !== content) [content, version] = [text, version + 1];
    return JSON.stringify({ ...snapshot, version, outputDir, live });
  };
  /**
   * Writes a frame to a page; a page that stops reading (a paused tab, a stalled proxy) while 8 MiB wait for it is let
   * go, not buffered without end: it reconnects (`retry`) and gets the whole state again.
   */
  const send = (client: ServerResponse, frame: string): void => {
    if (client.writableLength > maxBufferedBytes) {
      clients.delete(client);
      client.destroy();
      return;
    }
    client.write(frame);
  };
  const push = (): void => {
    pending = undefined;
    const json = current();
    if (version === pushed) return;
    pushed = version;
    lastPush = performance.now();
    for (const client of clients) send(client, `event: state\ndata: ${json}\n\n`);
  };
  /** Pushes at once when the last push is `throttleMs` old, else once it is: bursts of events make one push. */
  const schedule = (): void => {
    if (pending !== undefined || closed) return;
    pending = setTimeout(push, Math.max(0, lastPush + throttleMs - performance.now()));
  };

  const token = randomBytes(16).toString('hex');
  const server = createServer((request, response) => handle(request, response));
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (request.headers.host !== `${host}:${boundPort}` && request.headers.host !== `localhost:${boundPort}`) return reply(response, 403, 'text/plain', 'forbidden host\n');
    // The port is anyone's on this machine: the token (from the URL printed, then a cookie of this port) is the key.
    const cookieName = `rxdgt-monitor-${boundPort}`;
    const given = url.searchParams.get('token') ?? cookieOf(request.headers.cookie, cookieName);
    if (given === undefined || !sameSecret(given, token)) return reply(response, 403, 'text/plain', 'this monitor needs its token: open the URL rxdgt printed\n');
    const cookie = { 'set-cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/` };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
    if (path === '/') {
      const nonce = randomBytes(16).toString('base64');
      return reply(response, 200, 'text/html; charset=utf-8', monitorPage(current(), nonce), {
        ...cookie,
        'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      });
    }
    if (path === '/api/state') return reply(response, 200, 'application/json; charset=utf-8', current());
    if (path === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      if (request.method === 'HEAD') return void response.end();
      response.socket?.setNoDelay(true);
      clients.add(response);
      response.on('close', () => clients.delete(response));
      send(response, `retry: 1000\n\nevent: state\ndata: ${current()}\n\n${live ? '' : 'event: end\ndata: {}\n\n'}`);
      return;
    }
    reply(response, 404, 'text/plain', 'not found\n');
  };

  let boundPort = port;
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') rejectListen(new ConfigError(`the monitor's port ${port} is in use`, { field: 'port', cause: error }));
      else rejectListen(new ConfigError(`the monitor cannot listen on ${host}:${port}: ${describeFsCause(error)}`, { field: 'port', cause: error }));
    });
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address();
  boundPort = typeof address === 'object' && address !== null ? address.port : port;

  const timers: NodeJS.Timeout[] = [];
  let subscription: Subscription | undefined;
  const ended = (): void => {
    live = false;
    // The last state goes out at once, then word that no more will come.
    if (pending !== undefined) clearTimeout(pending);
    push();
    for (const client of clients) send(client, 'event: end\ndata: {}\n\n');
  };
  if (options.events !== undefined) {
    subscription = options.events.subscribe({
      next: (event) => (applyEvent(state, event), schedule()),
      complete: ended,
      error: ended,
    });
  } else {
    let reading = false;
    timers.push(
      setInterval(() => {
        if (reading) return;
        reading = true;
        // A read that fails (a folder removed under it) leaves the last state; the next read tries again.
        reader.read().then(schedule, () => undefined).finally(() => (reading = false));
      }, options.pollMs ?? 2000),
    );
  }
  // Rates and ETAs move with the clock: the page hears of it every second, if anything it shows changed.
  timers.push(setInterval(schedule, 1000));
  timers.push(setInterval(() => clients.forEach((client) => send(client, ': heartbeat\n\n')), options.heartbeatMs ?? 15_000));
  for (const timer of timers) timer.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${boundPort}/?token=${token}`,
    port: boundPort,
    token,
    close: () =>
      (closing ??= new Promise<void>((resolveClose) => {
        closed = true;
        subscription?.unsubscribe();
        for (const timer of timers) clearInterval(timer);
        if (pending !== undefined) clearTimeout(pending);
        for (const client of clients) client.end();
        clients.clear();
        server.close(() => resolveClose());
        server.closeAllConnections();
      })),
  };
}

/** The value of the cookie `name` in a `Cookie` header, if any. */
function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** Whether `given` is the token, compared in constant time. */
function sameSecret(given: string, token: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}

function reply(response: ServerResponse, status: number, type: string, body: string, headers: Readonly<Record<string, string>> = {}): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
