/**
 * The provider batch routes of the local test server: OpenAI's `/v1/files` and `/v1/batches` (made, read, listed; Azure's under
 * `/openai/...`), and Anthropic's `/v1/messages/batches`. Each line is answered by the same answer logic as a direct
 * call; a batch completes once `completeAfterMs` passed since it was created. Internal to `test-server-handler.ts`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { countMessageWords, countWords, errorBody } from './test-server-bodies.ts';
import type { TestServerAnswer, TestServerBatchOptions } from './test-server-options.ts';

/** A reply of a batch route: status, body text, content type. */
export interface BatchReply {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  /** Ms to hold the reply before it is sent. */
  readonly delayMs?: number;
}

/** Answers one direct-call body (a chat or completion envelope) with the server's own answer logic. */
export type DirectAnswer = (endpoint: 'chat' | 'completion', body: any) => string;
/** The answer of one Anthropic request: its text (or a scripted answer's content). */
export type AnthropicAnswer = (body: any) => string | TestServerAnswer;

interface StoredBatch {
  readonly id: string;
  readonly kind: 'openai' | 'anthropic';
  readonly endpoint: string;
  readonly inputFileId: string | undefined;
  readonly lines: readonly any[];
  readonly createdAt: number;
  readonly rejection: string | undefined;
  outputs?: { readonly outputFileId: string | undefined; readonly errorFileId: string | undefined; readonly succeeded: number; readonly failed: number; readonly expired: number };
}

/** The `file` part of a multipart upload, as text. */
function multipartFile(text: string, contentType: string | undefined): string | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (marker === undefined) return undefined;
  for (const part of text.split(`--${marker}`)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1 || !/name="file"/.test(part.slice(0, headerEnd))) continue;
    return part.slice(headerEnd + 4).replace(/\r\n$/, '');
  }
  return undefined;
}

function json(status: number, value: unknown): BatchReply {
  return { status, body: JSON.stringify(value) };
}

function anthropicMessage(body: any, answer: string | TestServerAnswer, index: number): unknown {
  const text = typeof answer === 'string' ? answer : (answer.content ?? '');
  const forced = body?.tool_choice?.type === 'tool' ? (body.tool_choice.name as string) : undefined;
  let input: unknown = { answer: text };
  try {
    input = JSON.parse(text);
  } catch {
    // Not JSON: the forced tool gets the text as `answer`.
  }
  const content = forced === undefined ? [{ type: 'text', text }] : [{ type: 'tool_use', id: `toolu_${index}`, name: forced, input }];
  const system = typeof body?.system === 'string' ? countWords(body.system) : 0;
  return {
    id: `msg_batch_${index}`,
    type: 'message',
    role: 'assistant',
    model: body?.model,
    content,
    stop_reason: forced === undefined ? 'end_turn' : 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: countMessageWords(body?.messages) + system, output_tokens: countWords(text) },
  };
}

/**
 * Creates the batch routes of one server: `handle` answers a request on a batch path and returns undefined for any
 * other path. State (files, batches) lives as long as the server.
 */
export function createBatchRoutes(
  options: TestServerBatchOptions,
  answerDirect: DirectAnswer,
  answerAnthropic: AnthropicAnswer,
): (method: string | undefined, path: string, text: string, headers: IncomingHttpHeaders, query: URLSearchParams) => BatchReply | undefined {
  const files = new Map<string, string>();
  const batches = new Map<string, StoredBatch>();
  const tries = new Map<string, number>();
  let nextId = 0;
  let nextAnswer = 0;
  const now = (): number => Date.now();
  const completeAfter = (batchIndex: number): number => (typeof options.completeAfterMs === 'function' ? options.completeAfterMs(batchIndex) : (options.completeAfterMs ?? 0));

  /** What became of each line, once, when the batch is first seen complete. */
  function finish(batch: StoredBatch): NonNullable<StoredBatch['outputs']> {
    if (batch.outputs) return batch.outputs;
    const output: string[] = [];
    const errors: string[] = [];
    let expired = 0;
    for (const line of batch.lines) {
      const customId = String(line?.custom_id);
      // A resent request comes under its first id with `_r<try>`: its attempts count together.
      const request = customId.replace(/_r\d+$/, '');
      const attempt = (tries.get(request) ?? 0) + 1;
      tries.set(request, attempt);
      const fault = options.itemFault?.(customId, attempt);
      const index = nextAnswer++;
      if (batch.kind === 'anthropic') {
        const result =
          fault === 'expired'
            ? { type: 'expired' }
            : fault === 'failed'
              ? { type: 'errored', error: { type: 'error', error: { type: 'api_error', message: 'Test server fault: item failed.' } } }
              : { type: 'succeeded', message: anthropicMessage(line?.params, answerAnthropic(line?.params), index) };
        if (fault === 'expired') expired++;
        output.push(JSON.stringify({ custom_id: customId, result }));
        continue;
      }
      if (fault === 'expired') {
        expired++;
        errors.push(JSON.stringify({ id: `batch_req_${index}`, custom_id: customId, response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } }));
      } else if (fault === 'failed') {
        errors.push(JSON.stringify({ id: `batch_req_${index}`, custom_id: customId, response: { status_code: 500, request_id: `req_${index}`, body: JSON.parse(errorBody(500, 'Test server fault: item failed.')) }, error: null }));
      } else {
        const endpoint = String(line?.url ?? '').endsWith('chat/completions') ? 'chat' : 'completion';
        const body = JSON.parse(answerDirect(endpoint, line?.body));
        output.push(JSON.stringify({ id: `batch_req_${index}`, custom_id: customId, response: { status_code: 200, request_id: `req_${index}`, body }, error: null }));
      }
    }
    const store = (lines: string[]): string | undefined => {
      if (lines.length === 0 || batch.kind === 'anthropic') return undefined;
      const id = `file-out-${nextId++}`;
      files.set(id, `${lines.join('\n')}\n`);
      return id;
    };
    if (batch.kind === 'anthropic') files.set(`results-${batch.id}`, `${output.join('\n')}\n`);
    batch.outputs = { outputFileId: store(output), errorFileId: store(errors), succeeded: output.length - (batch.kind === 'anthropic' ? expired : 0), failed: errors.length, expired };
    return batch.outputs;
  }

  function isDone(batch: StoredBatch): boolean {
    return batch.rejection === undefined && now() - batch.createdAt >= completeAfter(Number(batch.id.replace(/\D/g, '')));
  }

  function openAIBatch(batch: StoredBatch): unknown {
    const done = isDone(batch);
    const outputs = done ? finish(batch) : undefined;
    const status = batch.rejection !== undefined ? 'failed' : done ? 'completed' : 'in_progress';
    return {
      id: batch.id,
      object: 'batch',
      endpoint: batch.endpoint,
      errors: batch.rejection === undefined ? null : { object: 'list', data: [{ code: 'invalid_request', message: batch.rejection, param: null, line: null }] },
      input_file_id: batch.inputFileId,
      completion_window: '24h',
      status,
      output_file_id: outputs?.outputFileId ?? null,
      error_file_id: outputs?.errorFileId ?? null,
      created_at: Math.floor(batch.createdAt / 1000),
      request_counts: { total: batch.lines.length, completed: outputs ? batch.lines.length - outputs.failed : 0, failed: outputs?.failed ?? 0 },
    };
  }

  function anthropicBatch(batch: StoredBatch, origin: string): unknown {
    const done = isDone(batch);
    const outputs = done ? finish(batch) : undefined;
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: done ? 'ended' : 'in_progress',
      request_counts: { processing: done ? 0 : batch.lines.length, succeeded: outputs?.succeeded ?? 0, errored: 0, canceled: 0, expired: outputs?.expired ?? 0 },
      created_at: new Date(batch.createdAt).toISOString(),
      ended_at: done ? new Date().toISOString() : null,
      expires_at: new Date(batch.createdAt + 86_400_000).toISOString(),
      cancel_initiated_at: null,
      archived_at: null,
      results_url: done ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
    };
  }

  function create(kind: StoredBatch['kind'], endpoint: string, inputFileId: string | undefined, lines: readonly any[]): StoredBatch {
    const id = kind === 'anthropic' ? `msgbatch_${nextId++}` : `batch_${nextId++}`;
    const rejection = options.rejectFile?.(lines);
    const batch: StoredBatch = { id, kind, endpoint, inputFileId, lines, createdAt: now(), rejection };
    batches.set(id, batch);
    options.onSubmit?.(id, lines.map((line) => String(line?.custom_id)));
    return batch;
  }

  return (method, path, text, headers, query) => {
    const origin = `http://${headers.host ?? '127.0.0.1'}`;
    const route = path.replace(/^\/openai\//, '/v1/');
    if (method === 'POST' && route === '/v1/files') {
      const content = multipartFile(text, headers['content-type']);
      if (content === undefined) return { status: 400, body: errorBody(400, 'Expected a multipart upload with a `file` part.') };
      const id = `file-${nextId++}`;
      files.set(id, content);
      return json(200, { id, object: 'file', bytes: Buffer.byteLength(content), created_at: Math.floor(now() / 1000), filename: 'batch.jsonl', purpose: 'batch', status: 'processed' });
    }
    const content = /^\/v1\/files\/([^/]+)\/content$/.exec(route);
    if (method === 'GET' && content) {
      const file = files.get(content[1]!);
      return file === undefined ? { status: 404, body: errorBody(404, `No such File object: ${content[1]}`) } : { status: 200, body: file, contentType: 'application/jsonl' };
    }
    if (method === 'POST' && route === '/v1/batches') {
      const body = JSON.parse(text || '{}') as { input_file_id?: string; endpoint?: string };
      const file = body.input_file_id === undefined ? undefined : files.get(body.input_file_id);
      if (file === undefined) return { status: 400, body: errorBody(400, `No such File object: ${body.input_file_id}`) };
      const lines = file.split('\n').flatMap((line) => (line.trim() === '' ? [] : [JSON.parse(line)]));
      const made = json(200, openAIBatch(create('openai', body.endpoint ?? '/v1/chat/completions', body.input_file_id, lines)));
      return options.createReplyDelayMs ? { ...made, delayMs: options.createReplyDelayMs } : made;
    }
    if (method === 'GET' && route === '/v1/batches') {
      // Newest first, `limit` at a time (20 by default), the page after the batch `after`, as OpenAI lists them.
      const newest = [...batches.values()].filter((batch) => batch.kind === 'openai').reverse();
      const after = query.get('after');
      const start = after === null ? 0 : newest.findIndex((batch) => batch.id === after) + 1;
      const page = newest.slice(start, start + Math.max(1, Number(query.get('limit') ?? 20)));
      return json(200, { object: 'list', data: page.map(openAIBatch), first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: start + page.length < newest.length });
    }
    const openAIGet = /^\/v1\/batches\/([^/]+)$/.exec(route);
    if (method === 'GET' && openAIGet) {
      const batch = batches.get(openAIGet[1]!);
      return batch === undefined ? { status: 404, body: errorBody(404, `No such batch: ${openAIGet[1]}`) } : json(200, openAIBatch(batch));
    }
    if (method === 'POST' && path === '/v1/messages/batches') {
      const body = JSON.parse(text || '{}') as { requests?: unknown[] };
      const requests = Array.isArray(body.requests) ? body.requests : [];
      const batch = create('anthropic', '/v1/messages', undefined, requests);
      if (batch.rejection !== undefined) return json(400, { type: 'error', error: { type: 'invalid_request_error', message: batch.rejection } });
      return json(200, anthropicBatch(batch, origin));
    }
    const anthropicGet = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/.exec(path);
    if (method === 'GET' && anthropicGet) {
      const batch = batches.get(anthropicGet[1]!);
      if (batch === undefined) return json(404, { type: 'error', error: { type: 'not_found_error', message: `No such batch: ${anthropicGet[1]}` } });
      if (anthropicGet[2] === undefined) return json(200, anthropicBatch(batch, origin));
      const results = isDone(batch) ? (finish(batch), files.get(`results-${batch.id}`)) : undefined;
      return results === undefined ? json(400, { type: 'error', error: { type: 'invalid_request_error', message: 'The batch has not ended.' } }) : { status: 200, body: results, contentType: 'application/binary' };
    }
    return undefined;
  };
}
