import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { llamaCppRuntime } from '../../lib/providers/llama-cpp/llama-cpp-runtime.ts';
import { writeByteBigramGguf } from '../helpers/make-gguf.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const signal = (): AbortSignal => new AbortController().signal;

describe('llamaCppRuntime', () => {
  test('a missing file is a ConfigError naming `model_id_or_path` at creation', () => {
    const modelPath = join(tempDir(), 'none.gguf');
    expect(() => llamaCppRuntime({ modelPath, open: async () => 1 })).toThrow(expect.objectContaining({ name: 'ConfigError', field: 'model_id_or_path' }));
  });

  test('loads once with what `open` gives, loads again after close(), and names the file in its endpoint', async () => {
    const modelPath = writeByteBigramGguf(tempDir());
    let opened = 0;
    const runtime = llamaCppRuntime({ modelPath, threads: 1, open: async ({ llama, threads }) => ({ llama, threads, count: ++opened }) });
    expect(runtime.endpoint).toBe(`llama-cpp://${modelPath}`);
    const [first, second] = await Promise.all([runtime.loaded(), runtime.loaded()]);
    expect(second).toBe(first);
    expect(first).toMatchObject({ threads: 1, count: 1 });
    await runtime.close();
    expect(await runtime.loaded()).toMatchObject({ count: 2 });
    await runtime.close();
  });

  test('a file that is no model fails the load with a ConfigError worded with the purpose; the next call tries again', async () => {
    const bogus = join(tempDir(), 'bogus.gguf');
    writeFileSync(bogus, 'not a model');
    const runtime = llamaCppRuntime({ modelPath: bogus, threads: 1, purpose: ' for embeddings', open: ({ llama, modelPath }) => llama.loadModel({ modelPath }) });
    await expect(runtime.loaded()).rejects.toThrow(ConfigError);
    await expect(runtime.loaded()).rejects.toThrow(/cannot load `model_id_or_path` .*bogus\.gguf for embeddings: /);
    await runtime.close();
  });

  test('close() aborts a tracked call and waits for it to settle', async () => {
    const modelPath = writeByteBigramGguf(tempDir());
    const runtime = llamaCppRuntime({ modelPath, open: async () => 'ready' });
    let settled = false;
    const call = runtime.track(
      (callSignal) =>
        new Promise<string>((_resolve, reject) => {
          callSignal.addEventListener('abort', () => setImmediate(() => ((settled = true), reject(callSignal.reason))), { once: true });
        }),
      { signal: signal() },
    );
    const rejected = expect(call).rejects.toThrow('the model was closed during the call');
    await runtime.close();
    expect(settled).toBe(true);
    await rejected;
  });
});
