/**
 * What Anthropic's direct model (`anthropic-model.ts`) and its Message Batches (`anthropic-batch-api.ts`) share, so a
 * batch line and its answer cannot drift from a direct call's: the key lookup, the SDK client, the sampling cut-off
 * by API version, the one-answer rule, and how a message becomes a {@link ModelResult}.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { ConfigError } from '../../errors/config-error.ts';
import type { ModelRequest, ModelResult, ToolCall } from '../../model/language-model.ts';
import { firstSet } from '../first-set.ts';
import { lazily } from '../lazily.ts';
import { toolCallOf, toolCallsField } from '../tool-calls.ts';

/** The API version that dropped the sampling parameters: earlier versions take `temperature` and `top_p`. */
const withoutSampling = '2026-10-21';

/** Whether requests under `apiVersion` (the `anthropic-version` header; the SDK's own when undefined) send sampling parameters. */
export function sendsSampling(apiVersion: string | undefined): boolean {
  return apiVersion !== undefined && apiVersion < withoutSampling;
}

/** The API key: the block's, else `ANTHROPIC_API_KEY`, trimmed; undefined when neither is set. */
export function anthropicApiKey(configured: string | undefined): string | undefined {
  return firstSet(configured, process.env['ANTHROPIC_API_KEY']);
}

/**
 * Refuses `n > 1`: the Messages API makes one answer per request.
 * @throws {ConfigError} naming the field `n`
 */
export function oneAnswerOnly(request: ModelRequest): void {
  if (request.n !== undefined && request.n > 1) {
    throw new ConfigError(`anthropic: invalid config at \`n\`: expected 1 (the Messages API makes one answer per request), received ${request.n}`, { field: 'n' });
  }
}

/** Where the SDK client goes and how it talks: its own retries off (the engine retries). */
export interface AnthropicClientSettings {
  readonly apiKey: string | undefined;
  readonly baseURL: string;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly apiVersion: string | undefined;
}

/**
 * The SDK and a client of it, loaded and made at the first call (a run without an Anthropic block never pays the
 * SDK's start-up); the SDK comes too, for its error classes.
 */
export function anthropicClient(settings: AnthropicClientSettings): () => Promise<{ readonly sdk: typeof Anthropic; readonly client: Anthropic }> {
  const { apiKey, baseURL, timeoutMs, headers, apiVersion } = settings;
  return lazily(async () => {
    const { default: sdk } = await import('@anthropic-ai/sdk');
    const client = new sdk({
      ...(apiKey === undefined ? {} : { apiKey }),
      baseURL,
      maxRetries: 0,
      timeout: timeoutMs,
      defaultHeaders: { ...headers, ...(apiVersion === undefined ? {} : { 'anthropic-version': apiVersion }) },
    });
    return { sdk, client };
  });
}

/** A content block of a message, as much of it as is read. */
type ContentBlock = { type: string; text?: unknown; id?: unknown; name?: unknown; input?: unknown };

/** The text blocks joined (or the forced tool's input as JSON when a response format was asked for), and the tool calls. */
function answerOf(content: readonly ContentBlock[], formatTool: string | undefined): { text: string; toolCalls: ToolCall[] } {
  const format = formatTool === undefined ? undefined : content.find((block) => block.type === 'tool_use' && block.name === formatTool);
  if (format !== undefined) return { text: JSON.stringify(format.input ?? {}), toolCalls: [] };
  const text = content.map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
  const toolCalls = content.flatMap((block, index) =>
    block.type === 'tool_use' && typeof block.name === 'string' ? [toolCallOf(typeof block.id === 'string' ? block.id : `call_${index}`, block.name, block.input)] : [],
  );
  return { text, toolCalls };
}

/** The parts of a message a result is read from (a direct answer's, or a batch result line's, which may lack some). */
export interface AnthropicMessage {
  readonly content?: readonly ContentBlock[] | null | undefined;
  readonly stop_reason?: string | null | undefined;
  readonly usage?: Partial<Record<'input_tokens' | 'output_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens', number | null>> | null | undefined;
}

/**
 * The result of a message answering `request`: its text (the forced tool's input for a response format, read by the
 * request's own format name), its tool calls, its stop reason, and its tokens (cache writes and reads are prompt tokens).
 */
export function anthropicResultOf(message: AnthropicMessage, request: ModelRequest): ModelResult {
  const usage = message.usage ?? {};
  const answer = answerOf(message.content ?? [], request.responseFormat?.name);
  return {
    texts: [answer.text],
    ...toolCallsField([answer.toolCalls]),
    finishReason: message.stop_reason ?? undefined,
    usage: { promptTokens: (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0), completionTokens: usage.output_tokens ?? 0 },
  };
}
