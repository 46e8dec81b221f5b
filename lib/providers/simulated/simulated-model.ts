import { hash } from 'node:crypto';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult, ResponseFormat, TokenLogprob, ToolDefinition } from '../../model/language-model.ts';
import { isAborted } from '../../model/abortable.ts';
import { hex32 } from '../../random.ts';
import { countWords, countWordsInUtf8, utf8InScratch } from '../../text/count-words.ts';
import { murmur3 } from '../../text/murmur3.ts';
import { toolCallOf, toolCallsField } from '../tool-calls.ts';

/** Every text the simulated engine writes starts with this label, so its output can never pass for a model's. */
export const simulatedLabel = '[simulated]';

/** Settings of the offline `simulated` engine. */
export interface SimulatedSettings {
  /** Shown in stats and errors. @default 'simulated' */
  readonly modelId?: string;
  /** Delay before each answer, ms (to rehearse a run's timing). @default 0 */
  readonly latencyMs?: number;
}

function inputOf(request: ModelRequest): string {
  if (request.method !== 'chat') return request.prompt + (request.continuation ?? '');
  // One user message is the common chat: its text, without an array to join.
  return request.messages.length === 1 ? request.messages[0]!.content : request.messages.map((message) => message.content).join('\n');
}

/** A small value matching a JSON Schema: the first enum value, the first non-null branch, labelled strings, the least numbers, required fields. */
function sampleOf(schema: Readonly<Record<string, unknown>>, seed: string): unknown {
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  if ('const' in schema) return schema['const'];
  // `.nullable()` becomes `anyOf: [T, { type: 'null' }]`: answer with T, as a model would.
  const branches = (schema['anyOf'] ?? schema['oneOf']) as readonly Readonly<Record<string, unknown>>[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) return sampleOf(branches.find((branch) => branch['type'] !== 'null') ?? branches[0]!, seed);
  const type = Array.isArray(schema['type']) ? schema['type'].find((name) => name !== 'null') : schema['type'];
  switch (type) {
    case 'object': {
      const properties = (schema['properties'] ?? {}) as Record<string, Readonly<Record<string, unknown>>>;
      return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, sampleOf(value, `${seed}.${key}`)]));
    }
    case 'array': {
      const count = Math.max(1, typeof schema['minItems'] === 'number' ? schema['minItems'] : 1);
      const items = (schema['items'] ?? {}) as Readonly<Record<string, unknown>>;
      return Array.from({ length: count }, (_, index) => sampleOf(items, `${seed}[${index}]`));
    }
    case 'integer':
    case 'number': {
      // The number in range nearest 0 (`z.int()` has the safe-integer bounds; `.positive()` an exclusive minimum of 0).
      const bound = (key: string): number | undefined => (typeof schema[key] === 'number' ? schema[key] : undefined);
      const low = bound('minimum') ?? ((bound('exclusiveMinimum') ?? -Infinity) + 1);
      const high = bound('maximum') ?? ((bound('exclusiveMaximum') ?? Infinity) - 1);
      return Math.min(Math.max(0, type === 'integer' ? Math.ceil(low) : low), high);
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default: {
      const text = `${simulatedLabel} ${seed}`;
      const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
      const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
      return text.padEnd(min, '.').slice(0, max);
    }
  }
}

/**
 * The 8 hex digits an answer is labelled with: the input's own (`digest`, the murmur3 hash of its UTF-8 bytes, made
 * once per request), or, when a seed or the answer's place among `n` is set, of the SHA-256 of both and the digest
 * (then 16 digits: two murmur3 hashes). The input is hashed as it is, not copied into a longer text with the seed
 * first (an answer per record).
 */
function tagOf(digest: string, seed: number | undefined, index: number): string {
  if (seed === undefined && index === 0) return digest.slice(0, 8);
  return hash('sha256', `${seed ?? ''}\n${index}\n${digest}`, 'hex').slice(0, 8);
}

function answer(input: string, tag: string, format: ResponseFormat | undefined, jsonMode: boolean | undefined, pair: boolean): string {
  if (format) return JSON.stringify(sampleOf(format.schema, tag));
  if (jsonMode) return JSON.stringify({ answer: `${simulatedLabel} answer ${tag}` });
  if (pair) return pairAnswer(tag);
  return `${simulatedLabel} answer ${tag} to: ${input.slice(0, 60).replace(/\s+/g, ' ')}`;
}

/** Whether a plain answer to this input is a Question/Answer pair: prompts that show such pairs get one back, so sample pipelines run end to end offline. */
function asksForPair(input: string): boolean {
  return input.includes('Question:') && input.includes('Answer:');
}

function pairAnswer(tag: string): string {
  return `Question: ${simulatedLabel} question ${tag}?\nAnswer: ${simulatedLabel} answer ${tag}.`;
}

/** The words of every pair answer (a tag is hex digits, one word with what it sits in): counted once, not per answer. */
const pairAnswerWords = countWords(pairAnswer('0'));

/** The tool a request forces a call to (`toolChoice` `required`: the first; a named one), if any. */
function forcedTool(request: ModelRequest): ToolDefinition['function'] | undefined {
  const choice = request.toolChoice;
  if (choice === undefined) return undefined;
  const tools = request.method === 'chat' ? (request.tools ?? []) : [];
  if (typeof choice === 'object') return tools.find((tool) => tool.function.name === choice.function.name)?.function;
  return choice === 'required' ? tools[0]?.function : undefined;
}

/** One entry per word, each certain (log probability 0): enough for pipelines that read log probabilities. */
function wordLogprobs(text: string): TokenLogprob[] {
  return text.split(/(?<=\s)/).filter((word) => word !== '').map((token) => ({ token, logprob: 0 }));
}

/**
 * An offline engine for dry runs and demos: answers at once (or after `latencyMs`), and labels every text it writes
 * with `[simulated]`. An answer is a function of the request alone (its text, its `seed`, and its place among `n`),
 * as a model at temperature 0: the same prompt always gets the same answer, so a seeded run repeats itself.
 * Prompts showing `Question:`/`Answer:` pairs get a pair back; a response format gets a small JSON value matching
 * its schema (JSON mode an `{ answer }` object); a chat that forces a tool call (`toolChoice` `required` or a named
 * function) gets a call whose arguments match the tool's parameters; `logprobs` gives each word a log probability of 0.
 * Every other parameter is taken and has no effect, as the sampling ones. Without a latency, an engine keeps no
 * in-memory cache of its answers unless given a `cacheSize` (they cost less than remembering them). DGT block type
 * `simulated`.
 *
 * ## Example
 * ```ts
 * import { createSimulated } from 'rxdgt';
 * const model = createSimulated();
 * await model.doGenerate({ method: 'completion', prompt: 'Question: A?\nAnswer: B.' }, { signal: new AbortController().signal });
 * // { texts: ['Question: [simulated] question 277c…?\nAnswer: [simulated] answer 277c….'], ... }
 * ```
 */
export function createSimulated(settings: SimulatedSettings = {}): LanguageModel {
  const latencyMs = settings.latencyMs ?? 0;
  return {
    specificationVersion: 'v1',
    provider: 'simulated',
    modelId: settings.modelId ?? 'simulated',
    endpoint: 'simulated://offline',
    // With a latency it rehearses a real engine's timing, cache included.
    answersForFree: latencyMs === 0,
    async doGenerate(request: ModelRequest, options: CallOptions): Promise<ModelResult> {
      if (latencyMs > 0) await abortableDelay(latencyMs, options.signal);
      // Asked without making an on-demand signal: an answer at once needs none.
      if (isAborted(options)) options.signal.throwIfAborted();
      const input = inputOf(request);
      const count = request.n ?? 1;
      const tool = forcedTool(request);
      const tags: string[] = [];
      const texts: string[] = [];
      let completionTokens = 0;
      // The input's UTF-8 bytes, made once for its hash and its word count (a long input is encoded by each).
      const bytes = utf8InScratch(input);
      const data = bytes ?? Buffer.from(input);
      // A seeded request, or one of several answers, derives its tags from a 64-bit digest (a second murmur3 with
      // another seed): two inputs whose 32-bit labels collide still get different answers then.
      const label = hex32(murmur3(data));
      const digest = request.seed === undefined && count === 1 ? label : label + hex32(murmur3(data, 1));
      const promptTokens = bytes ? countWordsInUtf8(bytes) : countWords(input);
      const pair = !tool && !request.responseFormat && !request.jsonMode && asksForPair(input);
      for (let index = 0; index < count; index += 1) {
        const tag = tagOf(digest, request.seed, index);
        const text = tool ? '' : answer(input, tag, request.responseFormat, request.jsonMode, pair);
        tags.push(tag);
        texts.push(text);
        completionTokens += pair ? pairAnswerWords : countWords(text);
      }
      const usage = { promptTokens, completionTokens };
      // The plain answer (no tool call, no log probabilities) is one object with its fields in their usual order.
      if (!tool && !request.logprobs) return { texts, finishReason: 'stop', usage };
      const toolCalls = tool ? tags.map((tag) => [toolCallOf(`call_${tag}`, tool.name, sampleOf(tool.parameters ?? { type: 'object' }, tag))]) : [];
      return {
        texts,
        ...toolCallsField(toolCalls),
        ...(request.logprobs ? { logprobs: texts.map(wordLogprobs) } : {}),
        finishReason: 'stop',
        usage,
      };
    },
    probe: async () => undefined,
  };
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
