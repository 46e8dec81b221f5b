/**
 * An OpenAI-compatible chat endpoint with a requests-per-minute limit, in its own process:
 * `node --import tsx spec/bench/rate-limited-server-process.ts` (env `RPM`, `BURST`, `LATENCY_MS`).
 *
 * The limit is a token bucket of `BURST` requests refilling at `RPM / 60` per second, so a fresh server lets
 * `BURST` requests through at once, never a whole minute's worth. A request that finds the bucket empty is
 * answered 429 at once, with `Retry-After` (whole seconds, rounded up, as HTTP has it) and `retry-after-ms`
 * (exact, as OpenAI and Azure send it) until a token is there. Every answer, 200 or 429, carries OpenAI's
 * `x-ratelimit-limit-requests` (RPM), `x-ratelimit-remaining-requests` (whole tokens left once this request
 * took its own) and `x-ratelimit-reset-requests` (time until the bucket is full again, e.g. `850ms`). Admitted
 * requests are answered after `LATENCY_MS` with a unique `Question: … Answer: …` pair.
 *
 * Prints `{"baseURL": ...}` once it listens; answers each `stats` line on stdin with
 * `{"cpuMs", "requests", "answered", "throttled", "admittedPerSecond", "throttledPerSecond"}` (the last two
 * per whole second since the start or the last reset) and each `reset` line the same way after
 * zeroing the counts. Exits when stdin closes.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { chatCompletionBody, countMessageWords, errorBody } from '../../lib/testing/test-server-bodies.ts';

const rpm = Number(process.env['RPM'] ?? 600);
const burst = Number(process.env['BURST'] ?? 10);
const latencyMs = Number(process.env['LATENCY_MS'] ?? 50);
const perMs = rpm / 60_000;

let tokens = burst;
let refilledAt = performance.now();
let requests = 0;
let answered = 0;
let throttled = 0;
let answers = 0;
// Admitted and throttled requests per whole second since the last reset.
let windowStart = performance.now();
const admittedPerSecond = new Map<number, number>();
const throttledPerSecond = new Map<number, number>();

function refill(now: number): void {
  tokens = Math.min(burst, tokens + (now - refilledAt) * perMs);
  refilledAt = now;
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (response.destroyed) return;
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function handle(incoming: IncomingMessage, response: ServerResponse, text: string): void {
  if (incoming.method !== 'POST' || incoming.url?.split('?')[0] !== '/v1/chat/completions') {
    return send(response, 404, errorBody(404, `Invalid URL (${incoming.method} ${incoming.url})`), {});
  }
  requests += 1;
  const now = performance.now();
  refill(now);
  const admitted = tokens >= 1;
  if (admitted) tokens -= 1;
  const headers: Record<string, string> = {
    'x-ratelimit-limit-requests': String(rpm),
    'x-ratelimit-remaining-requests': String(Math.max(0, Math.floor(tokens))),
    'x-ratelimit-reset-requests': `${Math.ceil((burst - tokens) / perMs)}ms`,
  };
  const second = Math.floor((now - windowStart) / 1000);
  const tally = admitted ? admittedPerSecond : throttledPerSecond;
  tally.set(second, (tally.get(second) ?? 0) + 1);
  if (!admitted) {
    throttled += 1;
    const waitMs = Math.ceil((1 - tokens) / perMs);
    headers['retry-after'] = String(Math.ceil(waitMs / 1000));
    headers['retry-after-ms'] = String(waitMs);
    return send(response, 429, errorBody(429, `Rate limit reached for requests: limit ${rpm} per minute. Please try again in ${waitMs}ms.`), headers);
  }
  let body: { messages?: unknown; model?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return send(response, 400, errorBody(400, 'The request body must be a JSON object.'), headers);
  }
  answers += 1;
  const index = answers;
  const reply = `Question: What is the capital of region ${index}?\nAnswer: City ${index}.`;
  setTimeout(() => {
    answered += 1;
    const model = typeof body.model === 'string' ? body.model : 'test-model';
    send(response, 200, chatCompletionBody(index, model, countMessageWords(body.messages), [reply]), headers);
  }, latencyMs);
}

const server = createServer((incoming, response) => {
  const chunks: Buffer[] = [];
  incoming.on('error', () => {});
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
  incoming.on('end', () => handle(incoming, response, Buffer.concat(chunks).toString()));
});
const sockets = new Set<Socket>();
server.on('connection', (socket: Socket) => {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

/** Counts per whole second since the last reset, as an array (0 for a quiet second). */
const perSecond = (tally: ReadonlyMap<number, number>): number[] =>
  Array.from({ length: Math.max(-1, ...tally.keys()) + 1 }, (_, second) => tally.get(second) ?? 0);

const stats = (): string => {
  const cpu = process.cpuUsage();
  const figures = { cpuMs: (cpu.user + cpu.system) / 1000, requests, answered, throttled };
  return `${JSON.stringify({ ...figures, admittedPerSecond: perSecond(admittedPerSecond), throttledPerSecond: perSecond(throttledPerSecond) })}\n`;
};

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'reset') {
      requests = 0;
      answered = 0;
      throttled = 0;
      windowStart = performance.now();
      admittedPerSecond.clear();
      throttledPerSecond.clear();
    }
    process.stdout.write(stats());
  })
  .on('close', () => {
    for (const socket of sockets) socket.destroy();
    server.close(() => process.exit(0));
  });

process.stdout.write(`${JSON.stringify({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` })}\n`);
