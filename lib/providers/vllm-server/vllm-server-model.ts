import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { ConfigError } from '../../errors/config-error.ts';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import { createOpenAI } from '../openai/openai-model.ts';
import { startupProblem, waitUntilReady } from './wait-until-ready.ts';

/** Settings of a `vllm-server` engine: a server command rxdgt starts, uses and stops. */
export interface VllmServerSettings {
  /** The command and its arguments; `{port}`, `{host}` and `{model}` are replaced. @default ['vllm', 'serve', '{model}', '--host', '{host}', '--port', '{port}'] */
  readonly command?: readonly string[];
  /** Model name served and sent with every request (DGT's `model_id_or_path`). */
  readonly modelId: string;
  /** Interface the server listens on. @default '127.0.0.1' */
  readonly host?: string;
  /** Port; a free one is picked when absent. */
  readonly port?: number;
  /** Longest wait for `/v1/models` to answer, ms. @default 600000 (large models load slowly) */
  readonly startupTimeoutMs?: number;
  /** Pause between readiness checks, ms (DGT's `check_interval`). @default 1000 */
  readonly checkIntervalMs?: number;
  /** Key the server expects, if any. */
  readonly apiKey?: string;
  /** Per-request timeout, ms. @default 300000 */
  readonly timeoutMs?: number;
  /** Extra headers sent with every request (DGT's `default_headers`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A model whose server process rxdgt owns: `close()` stops it. */
export interface ManagedLanguageModel extends LanguageModel {
  /** The server's API root once started, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  close(): Promise<void>;
}

// The server runs under a small shell that kills it when its stdin closes: when rxdgt closes it, and also when
// rxdgt dies in any way (even SIGKILL), since the pipe's other end then closes. The shell itself ends with the
// server, with its exit code.
// (A background job's stdin is /dev/null in sh, hence the copy of the pipe on fd 3 for the reader.)
const watchdog = 'exec 3<&0; "$@" & server=$!; (read -r _ <&3; kill "$server" 2>/dev/null) & wait "$server"; exit $?';

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * DGT's `vllm-server`: starts an OpenAI-compatible server command as a child process, waits until
 * `/v1/models` answers, sends requests to it, and stops it on `close()`, when the run ends, or when rxdgt
 * dies. Works with any such server (vLLM, llama.cpp's `llama-server`, TGI, SGLang).
 *
 * ## Example
 * ```ts
 * import { createEngine, createVllmServer } from 'rxdgt';
 * const model = createVllmServer({ modelId: 'ibm-granite/granite-3.3-2b-instruct' }); // runs `vllm serve ...`
 * const engine = createEngine(model, { callLimit: 64 });
 * // ... run tasks ...
 * await model.close();
 * ```
 */
export function createVllmServer(settings: VllmServerSettings): ManagedLanguageModel {
  const host = settings.host ?? '127.0.0.1';
  const template = settings.command ?? ['vllm', 'serve', '{model}', '--host', '{host}', '--port', '{port}'];
  if (template.length === 0) throw new ConfigError('`command` must name the server program');
  let child: ChildProcess | undefined;
  let started: Promise<LanguageModel> | undefined;
  // The identity of this server for caches and admission: its configuration, not the port it happened to get,
  // so a rerun's requests hit the cache and two servers never share one admission.
  const identity = `vllm-server:${template.join(' ')}@${host}:${settings.port ?? 'any'}#${settings.modelId}`;
  let endpoint = `http://${host}:${settings.port ?? '<free port>'}/v1`;

  const start = async (): Promise<LanguageModel> => {
    const port = settings.port ?? (await freePort(host));
    endpoint = `http://${host}:${port}/v1`;
    const command = template.map((part) => part.replaceAll('{port}', String(port)).replaceAll('{host}', host).replaceAll('{model}', settings.modelId));
    const output: string[] = [];
    child = spawn('/bin/sh', ['-c', watchdog, 'sh', ...command], { stdio: ['pipe', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        output.push(...chunk.split('\n').filter(Boolean));
        output.splice(0, Math.max(0, output.length - 20));
      });
    }
    // Not ours to keep the process alive: the run's own work does that, and rxdgt's exit stops the server.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
    await waitUntilReady(`${endpoint}/models`, child, {
      timeoutMs: settings.startupTimeoutMs ?? 600_000,
      intervalMs: settings.checkIntervalMs ?? 1000,
      describe: () => startupProblem(command, output),
    });
    return createOpenAI({
      modelId: settings.modelId,
      baseURL: endpoint,
      provider: 'vllm-server',
      ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
      ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
      ...(settings.headers ? { headers: settings.headers } : {}),
    });
  };
  const ready = (): Promise<LanguageModel> => (started ??= start());

  return {
    specificationVersion: 'v1',
    provider: 'vllm-server',
    modelId: settings.modelId,
    endpoint: identity,
    /** Where the server listens once started (a free port unless `port` is set). */
    get url() {
      return endpoint;
    },
    async doGenerate(request: ModelRequest, options: CallOptions): Promise<ModelResult> {
      return (await ready()).doGenerate(request, options);
    },
    // The run's preflight starts the server and waits for it, before any file is written.
    probe: async () => void (await ready()),
    async close() {
      const running = child;
      child = undefined;
      started = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.stdin?.end();
      const forced = setTimeout(() => running.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };
}
