import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Llama } from 'node-llama-cpp';
import { ApiCallError } from '../../errors/api-call-error.ts';
import { ConfigError } from '../../errors/config-error.ts';
import type { CallOptions } from '../../model/language-model.ts';
import { type NodeLlamaCpp, checkNodeLlamaCpp, loadNodeLlamaCpp } from './load-node-llama-cpp.ts';

/** What a `llama-cpp` model (LM or embedding) asks of the runtime it loads its GGUF file into. */
export interface LlamaCppRuntimeOptions<Loaded> {
  /** The `.gguf` file as configured (`model_id_or_path`). */
  readonly modelPath: string;
  /** CPU threads per evaluation. @default os.availableParallelism() */
  readonly threads?: number | undefined;
  /** `false` runs on the CPU only; `'auto'` uses a GPU node-llama-cpp has a prebuilt binary for. @default false */
  readonly gpu?: false | 'auto' | undefined;
  /** Words after the path in the load error, such as `' for embeddings'`. @default '' */
  readonly purpose?: string;
  /** Opens what the model's calls use (its context), once the backend is up; a throw fails the load. */
  open(loading: { readonly module: NodeLlamaCpp; readonly llama: Llama; readonly modelPath: string; readonly threads: number }): Promise<Loaded>;
}

/** One GGUF model loaded on first use, its calls tracked so that `close()` frees it only once they settle. */
export interface LlamaCppRuntime<Loaded> {
  /** `llama-cpp://` and the absolute path of the file. */
  readonly endpoint: string;
  /** What `open` gave; loaded on the first call, loaded again after a failed load or a `close()`. */
  loaded(): Promise<Loaded>;
  /** Runs one call with a signal that also aborts when the model is closed. */
  track<Result>(call: (signal: AbortSignal) => Promise<Result>, options: CallOptions): Promise<Result>;
  /** Aborts the running calls, waits for them, then frees the model and the native backend. */
  close(): Promise<void>;
}

/**
 * Starts a `llama-cpp` runtime: checks that node-llama-cpp is installed and the file exists, then loads node-llama-cpp,
 * its backend and the model on the first call, keeping node-llama-cpp's log lines (it would print them on the console)
 * for the load error.
 *
 * ## Example
 * ```ts
 * const runtime = llamaCppRuntime({ modelPath: 'models/m.gguf', open: async ({ llama, modelPath }) => ({ llama, model: await llama.loadModel({ modelPath }) }) });
 * const { model } = await runtime.loaded();
 * await runtime.close();
 * ```
 *
 * @throws {ConfigError} telling how to install node-llama-cpp when it is not installed; naming `model_id_or_path` when
 *   the file does not exist; from `loaded()`, when the file is no model it can load.
 */
export function llamaCppRuntime<Loaded>(options: LlamaCppRuntimeOptions<Loaded>): LlamaCppRuntime<Loaded> {
  checkNodeLlamaCpp();
  const modelPath = resolve(options.modelPath);
  if (!statSync(modelPath, { throwIfNoEntry: false })?.isFile()) {
    throw new ConfigError(`llama-cpp: \`model_id_or_path\` names no file: ${modelPath} (a .gguf model file)`, { field: 'model_id_or_path' });
  }
  const endpoint = `llama-cpp://${modelPath}`;
  const threads = options.threads ?? availableParallelism();
  const logs: string[] = [];
  let loading: Promise<{ readonly llama: Llama; readonly opened: Loaded }> | undefined;
  /** Aborts the calls still running when the model is closed. */
  let closing = new AbortController();
  /** Calls not settled yet: `close()` waits for them before it frees what they use. */
  const running = new Set<Promise<unknown>>();

  async function load(): Promise<{ readonly llama: Llama; readonly opened: Loaded }> {
    const module = await loadNodeLlamaCpp();
    let llama: Llama | undefined;
    try {
      llama = await module.getLlama({
        gpu: options.gpu ?? false,
        build: 'never',
        skipDownload: true,
        progressLogs: false,
        maxThreads: threads,
        logger: (level, message) => {
          logs.push(`${level}: ${message.trim()}`);
          if (logs.length > 20) logs.shift();
        },
      });
      return { llama, opened: await options.open({ module, llama, modelPath, threads }) };
    } catch (error) {
      await llama?.dispose();
      const detail = [error instanceof Error ? error.message : String(error), ...logs.filter((line) => /^(error|fatal)/.test(line))].join('; ');
      throw new ConfigError(`llama-cpp: cannot load \`model_id_or_path\` ${modelPath}${options.purpose ?? ''}: ${detail}`, { field: 'model_id_or_path', cause: error });
    }
  }

  return {
    endpoint,
    async loaded() {
      loading ??= load().catch((error: unknown) => {
        loading = undefined; // the next call tries again
        throw error;
      });
      return (await loading).opened;
    },
    track(call, callOptions) {
      const result = call(AbortSignal.any([callOptions.signal, closing.signal]));
      const settled: Promise<unknown> = result.then(
        () => running.delete(settled),
        () => running.delete(settled),
      );
      running.add(settled);
      return result;
    },
    async close() {
      const opened = loading;
      loading = undefined;
      closing.abort(new ApiCallError('llama-cpp: the model was closed during the call', { url: endpoint, isRetryable: false }));
      closing = new AbortController();
      // Freeing the native objects under a running evaluation would fail it from inside node-llama-cpp.
      await Promise.all(running);
      const runtime = await opened?.catch(() => undefined);
      await runtime?.llama.dispose();
    },
  };
}
