import type { LlamaEmbeddingContext } from 'node-llama-cpp';
import { z } from 'zod';
import { ApiCallError } from '../../errors/api-call-error.ts';
import type { EmbeddingModel, EmbeddingResult } from '../../model/embedding-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { llamaCppRuntime } from './llama-cpp-runtime.ts';

/** Settings of a `llama-cpp` embedding model: a GGUF embedding model run in-process by node-llama-cpp. */
export interface LlamaCppEmbeddingSettings {
  /** The `.gguf` file (`model_id_or_path`), relative to the working directory or absolute. */
  readonly modelPath: string;
  /** Tokens one text may have (with the model's begin and end tokens). @default the model's own, at most 2048 */
  readonly contextSize?: number;
  /** CPU threads per evaluation, never more than the cores. @default os.availableParallelism() */
  readonly threads?: number;
  /** `false` runs on the CPU only; `'auto'` uses a GPU when node-llama-cpp finds a prebuilt binary for it. @default false */
  readonly gpu?: false | 'auto';
}

/** A `llama-cpp` embedding model: `close()` frees the model, its context and the native backend. */
export interface LlamaCppEmbeddingModel extends EmbeddingModel {
  close(): Promise<void>;
}

const settingsSchema = z.object({
  modelPath: z.string().min(1),
  contextSize: z.number().int().min(8).exactOptional(),
  threads: z.number().int().min(1).exactOptional(),
  gpu: z.union([z.literal(false), z.literal('auto')]).exactOptional(),
});

/**
 * Creates an {@link EmbeddingModel} that runs a GGUF model in-process through node-llama-cpp's embedding context,
 * loaded on the first call (or probe), like the `llama-cpp` LM engine. Texts are embedded one after the other (the
 * context evaluates one at a time); an abort takes effect between texts. Usage counts the model's tokens.
 *
 * ## Example
 * ```ts
 * import { createEmbeddingEngine, createLlamaCppEmbedding } from 'rxdgt';
 * const model = createLlamaCppEmbedding({ modelPath: 'models/bge-small-en-v1.5-q8_0.gguf' });
 * const engine = createEmbeddingEngine(model, { callLimit: 1 });
 * // ... run tasks ...
 * await model.close();
 * ```
 *
 * @throws {ConfigError} telling how to install node-llama-cpp when it is not installed; naming `model_id_or_path`
 *   when the file does not exist; from calls, when the file is no model it can load.
 */
export function createLlamaCppEmbedding(settings: LlamaCppEmbeddingSettings): LlamaCppEmbeddingModel {
  const config = parseConfig('llama-cpp', settingsSchema, settings);
  const loader = llamaCppRuntime<LlamaEmbeddingContext>({
    modelPath: config.modelPath,
    threads: config.threads,
    gpu: config.gpu,
    purpose: ' for embeddings',
    open: async ({ llama, modelPath, threads }) => {
      const model = await llama.loadModel({ modelPath });
      return model.createEmbeddingContext({ contextSize: config.contextSize ?? { max: 2048 }, threads });
    },
  });
  const { endpoint } = loader;

  async function embed(texts: readonly string[], signal: AbortSignal): Promise<EmbeddingResult> {
    const context = await loader.loaded();
    const vectors: Float32Array[] = [];
    let promptTokens = 0;
    for (const text of texts) {
      signal.throwIfAborted();
      const length = context.calculateInputLength(text);
      let embedding: { readonly vector: readonly number[] };
      try {
        embedding = await context.getEmbeddingFor(text);
      } catch (error) {
        throw new ApiCallError(`llama-cpp: cannot embed a text of ${length} tokens: ${error instanceof Error ? error.message : String(error)}`, {
          url: endpoint,
          isRetryable: false,
          cause: error,
        });
      }
      vectors.push(Float32Array.from(embedding.vector));
      promptTokens += length;
    }
    return { vectors, usage: { promptTokens } };
  }

  return {
    specificationVersion: 'v1',
    provider: 'llama-cpp',
    modelId: config.modelPath,
    endpoint,
    doEmbed: (texts, options) => loader.track((signal) => embed(texts, signal), options),
    // The run's preflight loads the model before any file is written; a large model may take longer than its signal.
    probe: async () => void (await loader.loaded()),
    close: () => loader.close(),
  };
}
