import stableStringify from 'fast-json-stable-stringify';
import type { ChatModelFunctions, LLamaChatGenerateResponseOptions, Llama, LlamaCompletionGenerationOptions, LlamaContextSequence, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import { z } from 'zod';
import { ApiCallError } from '../../errors/api-call-error.ts';
import { ConfigError } from '../../errors/config-error.ts';
import type { ChatMessage, LanguageModel, ModelRequest, ModelResult, ResponseFormat } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { toolCallsField } from '../tool-calls.ts';
import { chatHistory, checkLlamaCppParams, functionsOf, llamaToolCalls, samplingOptions } from './llama-cpp-request.ts';
import { llamaCppRuntime } from './llama-cpp-runtime.ts';
import type { NodeLlamaCpp } from './load-node-llama-cpp.ts';
import { SequencePool } from './sequence-pool.ts';

/** Settings of a `llama-cpp` engine: a GGUF model run in-process by node-llama-cpp. */
export interface LlamaCppSettings {
  /** The `.gguf` file (DGT's `model_id_or_path`), relative to the working directory or absolute. */
  readonly modelPath: string;
  /** Tokens each call's sequence holds, prompt and answer together. @default 2048 */
  readonly contextSize?: number;
  /**
   * CPU threads per evaluation. Never more than the cores: oversubscribed llama.cpp threads spin-wait on each other,
   * and a 2-core machine ran 10 to 50 times slower with 4 threads than with 2. @default os.availableParallelism()
   */
  readonly threads?: number;
  /** `false` runs on the CPU only; `'auto'` uses CUDA, Vulkan or Metal when node-llama-cpp finds a prebuilt binary for them. @default false */
  readonly gpu?: false | 'auto';
  /**
   * Calls evaluated at once: sequences of the one context (each holds its own `contextSize` of KV cache). More
   * calls wait for a free sequence; give the engine a `callLimit` of this many. @default 1
   */
  readonly sequences?: number;
  /**
   * Completion prompts are cut from the left to their last `maxLength − maxTokens` tokens, counted by the model's own
   * tokenizer (DGT's `max_length`). @default no cut
   */
  readonly maxLength?: number;
}

/** A `llama-cpp` model: `close()` frees the model, its context and the native backend. */
export interface LlamaCppModel extends LanguageModel {
  /** How many calls it evaluates at once; more wait their turn. */
  readonly sequences: number;
  close(): Promise<void>;
}

const settingsSchema = z.object({
  modelPath: z.string().min(1),
  contextSize: z.number().int().min(64).exactOptional(),
  threads: z.number().int().min(1).exactOptional(),
  gpu: z.union([z.literal(false), z.literal('auto')]).exactOptional(),
  sequences: z.number().int().min(1).exactOptional(),
  maxLength: z.number().int().min(1).exactOptional(),
});

type CompletionRequest = Extract<ModelRequest, { method: 'completion' }>;

/** llama.cpp's own default (its CLI and server); node-llama-cpp's would be greedy decoding. */
const defaultTemperature = 0.8;

interface Loaded {
  readonly module: NodeLlamaCpp;
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly pool: SequencePool;
}

/** One call on a sequence: its prompt's token count and a way to answer it (once per `n`). */
interface Call {
  readonly promptTokens: number;
  answer(options: LlamaCompletionGenerationOptions): Promise<{ response: string; metadata: { stopReason: string }; functionCalls?: FunctionCalls }>;
  dispose(): void;
}

type FunctionCalls = readonly { readonly functionName: string; readonly params: unknown }[];

function chatCall({ module, model }: Loaded, sequence: LlamaContextSequence, messages: readonly ChatMessage[], functions: ChatModelFunctions | undefined): Call {
  const chat = new module.LlamaChat({ contextSequence: sequence });
  const history = chatHistory(messages);
  const withFunctions = functions === undefined ? {} : { availableFunctions: functions };
  return {
    // The prompt as the model sees it: rendered by the model's chat template, with the functions' documentation.
    promptTokens: chat.chatWrapper.generateContextState({ chatHistory: history, ...withFunctions }).contextText.tokenize(model.tokenizer).length,
    answer: (options) => (functions === undefined ? chat.generateResponse(history, options) : chat.generateResponse(history, { ...(options as object), functions } as LLamaChatGenerateResponseOptions<ChatModelFunctions>)),
    dispose: () => chat.dispose(),
  };
}

/**
 * A completion call: the prompt with its continuation, cut from the left to its last `maxLength − maxTokens` tokens
 * when `maxLength` is set (DGT's `max_length`, with the model's own tokenizer).
 */
function completionCall({ module, model }: Loaded, sequence: LlamaContextSequence, request: CompletionRequest, maxLength: number | undefined): Call {
  const completion = new module.LlamaCompletion({ contextSequence: sequence });
  let tokens = model.tokenize(request.prompt + (request.continuation ?? ''));
  if (maxLength !== undefined) {
    const keep = maxLength - (request.maxTokens ?? 0);
    if (keep < 1) throw new ConfigError(`llama-cpp: invalid config at \`max_length\`: ${maxLength} leaves no room for the prompt after \`max_tokens\` ${request.maxTokens}`, { field: 'max_length' });
    tokens = tokens.slice(-keep);
  }
  return {
    promptTokens: tokens.length,
    answer: (options) => completion.generateCompletionWithMeta(tokens, options),
    dispose: () => completion.dispose(),
  };
}

function finishReasonOf(stopReason: string): string {
  return stopReason === 'maxTokens' ? 'length' : stopReason === 'abort' ? 'abort' : stopReason === 'functionCalls' ? 'tool_calls' : 'stop';
}

/**
 * Creates a {@link LanguageModel} that runs a GGUF model in-process through `node-llama-cpp@3.21.1`, an optional
 * peer dependency imported on first use. The model is loaded once, on the first call (or the run's preflight
 * probe), into one context of `sequences` sequences; each call takes a fresh sequence, so calls share no state.
 * `chat` goes through the model's chat template (node-llama-cpp's chat wrapper), `completion` continues the
 * prompt as is. `maxTokens`, `temperature` (default 0.8), `topP`, `seed`, `stop` and the abort signal are
 * honoured, and so are `topK`, the frequency and presence penalties (node-llama-cpp's `repeatPenalty`) and the logit
 * bias (a token bias; -100 bans the token); `providerOptions` are passed to node-llama-cpp as given (`minP`, ...). A
 * response format becomes a JSON-schema grammar (JSON mode the JSON grammar), so the answer always parses. A chat's
 * tools become node-llama-cpp functions (documented by the chat template; `tool_choice` can only be `auto` or `none`),
 * and the functions the model calls come back as tool calls. Log probabilities, echo, a reasoning effort and an extra
 * body are refused. Without `maxTokens`, an answer ends when the context is full. Usage counts come from the model's
 * own tokenizer. DGT block type `llama-cpp`.
 *
 * ## Example
 * ```ts
 * import { createEngine, createLlamaCpp } from 'rxdgt';
 * const model = createLlamaCpp({ modelPath: 'models/granite-3.3-2b-instruct-Q4_K_M.gguf' });
 * const engine = createEngine(model, { callLimit: model.sequences });
 * // ... run tasks ...
 * await model.close();
 * ```
 *
 * @throws {ConfigError} telling how to install node-llama-cpp when it is not installed; naming `model_id_or_path`
 *   when the file does not exist; from calls, when the file is no model it can load.
 */
export function createLlamaCpp(settings: LlamaCppSettings): LlamaCppModel {
  const config = parseConfig('llama-cpp', settingsSchema, settings);
  const contextSize = config.contextSize ?? 2048;
  const sequences = config.sequences ?? 1;
  const loader = llamaCppRuntime<Loaded>({
    modelPath: config.modelPath,
    threads: config.threads,
    gpu: config.gpu,
    open: async ({ module, llama, modelPath, threads }) => {
      const model = await llama.loadModel({ modelPath });
      const context = await model.createContext({ contextSize, threads, sequences });
      return { module, llama, model, pool: new SequencePool(context) };
    },
  });
  const { endpoint } = loader;
  let grammars = new Map<string, Promise<LlamaGrammar>>();

  function grammarOf(runtime: Loaded, format: ResponseFormat): Promise<LlamaGrammar> {
    const key = stableStringify(format.schema);
    let grammar = grammars.get(key);
    if (!grammar) {
      grammar = runtime.llama.createGrammarForJsonSchema(format.schema as Parameters<Llama['createGrammarForJsonSchema']>[0]).catch((error: unknown) => {
        throw new ConfigError(`llama-cpp: response format \`${format.name}\` cannot become a grammar: ${error instanceof Error ? error.message : String(error)}`, {
          field: 'responseFormat',
          cause: error,
        });
      });
      grammars.set(key, grammar);
    }
    return grammar;
  }

  async function generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
    checkLlamaCppParams(request);
    const functions = functionsOf(request);
    const runtime = await loader.loaded();
    signal.throwIfAborted();
    const grammar = request.responseFormat
      ? await grammarOf(runtime, request.responseFormat)
      : request.jsonMode
        ? await runtime.llama.getGrammarFor('json')
        : undefined;
    const sampling = samplingOptions(request, runtime.module, runtime.model);
    const sequence = await runtime.pool.acquire(signal);
    let call: Call | undefined;
    try {
      call = request.method === 'chat' ? chatCall(runtime, sequence, request.messages, functions) : completionCall(runtime, sequence, request, config.maxLength);
      const { promptTokens, answer } = call;
      const room = sequence.contextSize - promptTokens;
      if (room < 1) {
        throw new ApiCallError(`llama-cpp: the prompt of ${promptTokens} tokens leaves no room in a context of ${sequence.contextSize}; raise \`contextSize\``, {
          url: endpoint,
          isRetryable: false,
        });
      }
      const generation = (index: number): LlamaCompletionGenerationOptions => ({
        ...sampling,
        ...(request.providerOptions as LlamaCompletionGenerationOptions | undefined),
        signal,
        // Capped by the room left: past it, node-llama-cpp would shift the context and never stop.
        maxTokens: Math.min(request.maxTokens ?? room, room),
        temperature: request.temperature ?? defaultTemperature,
        ...(request.topP !== undefined ? { topP: request.topP } : {}),
        // The answers of one request differ, even with a seed.
        ...(request.seed !== undefined ? { seed: request.seed + index } : {}),
        ...(request.stop?.length ? { customStopTriggers: request.stop } : {}),
        ...(grammar ? { grammar } : {}),
      });
      const texts: string[] = [];
      const toolCalls: ReturnType<typeof llamaToolCalls>[] = [];
      let finishReason: string | undefined;
      for (let index = 0; index < (request.n ?? 1); index++) {
        if (index > 0) await sequence.clearHistory();
        const { response, metadata, functionCalls } = await answer(generation(index));
        texts.push(response);
        toolCalls.push(llamaToolCalls(functionCalls));
        finishReason = finishReasonOf(metadata.stopReason);
      }
      // As an OpenAI-compatible server counts: the prompt once, every answer's tokens.
      const completionTokens = texts.reduce((sum, text) => sum + runtime.model.tokenize(text).length, 0);
      return { texts, ...toolCallsField(toolCalls), finishReason, usage: { promptTokens, completionTokens } };
    } finally {
      call?.dispose();
      await runtime.pool.release(sequence);
    }
  }

  return {
    specificationVersion: 'v1',
    provider: 'llama-cpp',
    modelId: config.modelPath,
    endpoint,
    sequences,
    doGenerate: (request, options) => loader.track((signal) => generate(request, signal), options),
    // The run's preflight loads the model before any file is written. A large model may take longer than the
    // preflight's few seconds, so the load is not cut short by the signal.
    probe: async () => void (await loader.loaded()),
    close() {
      grammars = new Map();
      return loader.close();
    },
  };
}
