import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import stableStringify from 'fast-json-stable-stringify';
import type { ChatHistoryItem, Llama, LlamaCompletionGenerationOptions, LlamaContextSequence, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import { z } from 'zod';
import { ApiCallError } from '../../errors/api-call-error.ts';
import { ConfigError } from '../../errors/config-error.ts';
import type { CallOptions, ChatMessage, LanguageModel, ModelRequest, ModelResult, ResponseFormat } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { type NodeLlamaCpp, loadNodeLlamaCpp } from './load-node-llama-cpp.ts';
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
});

/** llama.cpp's own default (its CLI and server); node-llama-cpp's would be greedy decoding. */
const defaultTemperature = 0.8;

interface Loaded {
  readonly module: NodeLlamaCpp;
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly pool: SequencePool;
}

function chatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history = messages.map((message): ChatHistoryItem => {
    if (message.role === 'assistant') return { type: 'model', response: [message.content] };
    return { type: message.role, text: message.content };
  });
  // A trailing assistant message is a prefix the answer continues; otherwise the answer is a new model turn.
  return history.at(-1)?.type === 'model' ? history : [...history, { type: 'model', response: [] }];
}

/** One call on a sequence: its prompt's token count and a way to answer it (once per `n`). */
interface Call {
  readonly promptTokens: number;
  answer(options: LlamaCompletionGenerationOptions): Promise<{ response: string; metadata: { stopReason: string } }>;
  dispose(): void;
}

function chatCall({ module, model }: Loaded, sequence: LlamaContextSequence, messages: readonly ChatMessage[]): Call {
  const chat = new module.LlamaChat({ contextSequence: sequence });
  const history = chatHistory(messages);
  return {
    // The prompt as the model sees it: rendered by the model's chat template.
    promptTokens: chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer).length,
    answer: (options) => chat.generateResponse(history, options),
    dispose: () => chat.dispose(),
  };
}

function completionCall({ module, model }: Loaded, sequence: LlamaContextSequence, prompt: string): Call {
  const completion = new module.LlamaCompletion({ contextSequence: sequence });
  return {
    promptTokens: model.tokenize(prompt).length,
    answer: (options) => completion.generateCompletionWithMeta(prompt, options),
    dispose: () => completion.dispose(),
  };
}

function finishReasonOf(stopReason: string): string {
  return stopReason === 'maxTokens' ? 'length' : stopReason === 'abort' ? 'abort' : 'stop';
}

/**
 * Creates a {@link LanguageModel} that runs a GGUF model in-process through `node-llama-cpp@3.21.1`, an optional
 * peer dependency imported on first use. The model is loaded once, on the first call (or the run's preflight
 * probe), into one context of `sequences` sequences; each call takes a fresh sequence, so calls share no state.
 * `chat` goes through the model's chat template (node-llama-cpp's chat wrapper), `completion` continues the
 * prompt as is. `maxTokens`, `temperature` (default 0.8), `topP`, `seed`, `stop` and the abort signal are
 * honoured; `providerOptions` are passed to node-llama-cpp as given (`topK`, `minP`, `repeatPenalty`, ...). A
 * response format becomes a JSON-schema grammar, so the answer always parses. Without `maxTokens`, an answer
 * ends when the context is full. Usage counts come from the model's own tokenizer. DGT block type `llama-cpp`.
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
 * @throws {ConfigError} naming `model_id_or_path` when the file does not exist; from calls, when node-llama-cpp is
 *   not installed or the file is no model it can load.
 */
export function createLlamaCpp(settings: LlamaCppSettings): LlamaCppModel {
  const config = parseConfig('llama-cpp', settingsSchema, settings);
  const modelPath = resolve(config.modelPath);
  if (!statSync(modelPath, { throwIfNoEntry: false })?.isFile()) {
    throw new ConfigError(`llama-cpp: \`model_id_or_path\` names no file: ${modelPath} (a .gguf model file)`, { field: 'model_id_or_path' });
  }
  const endpoint = `llama-cpp://${modelPath}`;
  const contextSize = config.contextSize ?? 2048;
  const threads = config.threads ?? availableParallelism();
  const sequences = config.sequences ?? 1;
  /** node-llama-cpp's log lines (it would print them on the console), shown only when loading fails. */
  const logs: string[] = [];
  let loading: Promise<Loaded> | undefined;
  let grammars = new Map<string, Promise<LlamaGrammar>>();
  /** Aborts the calls still running when the model is closed. */
  let closing = new AbortController();
  /** Calls not settled yet: `close()` waits for them before it frees what they use. */
  const running = new Set<Promise<unknown>>();

  async function load(): Promise<Loaded> {
    const module = await loadNodeLlamaCpp();
    let llama: Llama | undefined;
    try {
      llama = await module.getLlama({
        gpu: config.gpu ?? false,
        build: 'never',
        skipDownload: true,
        progressLogs: false,
        maxThreads: threads,
        logger: (level, message) => {
          logs.push(`${level}: ${message.trim()}`);
          if (logs.length > 20) logs.shift();
        },
      });
      const model = await llama.loadModel({ modelPath });
      const context = await model.createContext({ contextSize, threads, sequences });
      return { module, llama, model, pool: new SequencePool(context) };
    } catch (error) {
      await llama?.dispose();
      const detail = [error instanceof Error ? error.message : String(error), ...logs.filter((line) => /^(error|fatal)/.test(line))].join('; ');
      throw new ConfigError(`llama-cpp: cannot load \`model_id_or_path\` ${modelPath}: ${detail}`, { field: 'model_id_or_path', cause: error });
    }
  }

  function loaded(): Promise<Loaded> {
    loading ??= load().catch((error: unknown) => {
      loading = undefined; // the next call tries again
      throw error;
    });
    return loading;
  }

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
    const runtime = await loaded();
    signal.throwIfAborted();
    const grammar = request.responseFormat ? await grammarOf(runtime, request.responseFormat) : undefined;
    const sequence = await runtime.pool.acquire(signal);
    let call: Call | undefined;
    try {
      call = request.method === 'chat' ? chatCall(runtime, sequence, request.messages) : completionCall(runtime, sequence, request.prompt);
      const { promptTokens, answer } = call;
      const room = sequence.contextSize - promptTokens;
      if (room < 1) {
        throw new ApiCallError(`llama-cpp: the prompt of ${promptTokens} tokens leaves no room in a context of ${sequence.contextSize}; raise \`contextSize\``, {
          url: endpoint,
          isRetryable: false,
        });
      }
      const generation = (index: number): LlamaCompletionGenerationOptions => ({
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
      let finishReason: string | undefined;
      for (let index = 0; index < (request.n ?? 1); index++) {
        if (index > 0) await sequence.clearHistory();
        const { response, metadata } = await answer(generation(index));
        texts.push(response);
        finishReason = finishReasonOf(metadata.stopReason);
      }
      // As an OpenAI-compatible server counts: the prompt once, every answer's tokens.
      const completionTokens = texts.reduce((sum, text) => sum + runtime.model.tokenize(text).length, 0);
      return { texts, finishReason, usage: { promptTokens, completionTokens } };
    } finally {
      call?.dispose();
      await runtime.pool.release(sequence);
    }
  }

  function doGenerate(request: ModelRequest, options: CallOptions): Promise<ModelResult> {
    const call = generate(request, AbortSignal.any([options.signal, closing.signal]));
    const settled: Promise<unknown> = call.then(
      () => running.delete(settled),
      () => running.delete(settled),
    );
    running.add(settled);
    return call;
  }

  return {
    specificationVersion: 'v1',
    provider: 'llama-cpp',
    modelId: config.modelPath,
    endpoint,
    sequences,
    doGenerate,
    // The run's preflight loads the model before any file is written. A large model may take longer than the
    // preflight's few seconds, so the load is not cut short by the signal.
    probe: async () => void (await loaded()),
    async close() {
      const opened = loading;
      loading = undefined;
      grammars = new Map();
      closing.abort(new ApiCallError('llama-cpp: the model was closed during the call', { url: endpoint, isRetryable: false }));
      closing = new AbortController();
      // Freeing the native objects under a running evaluation would fail it from inside node-llama-cpp.
      await Promise.all(running);
      const runtime = await opened?.catch(() => undefined);
      await runtime?.llama.dispose();
    },
  };
}
