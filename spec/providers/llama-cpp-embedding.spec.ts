import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { type LlamaCppEmbeddingModel, createLlamaCppEmbedding } from '../../lib/providers/llama-cpp/llama-cpp-embedding-model.ts';
import { writeByteBigramGguf } from '../helpers/make-gguf.ts';

// The byte-bigram GGUF of the LM engine's spec (spec/helpers/make-gguf.ts): a genuine llama model, so node-llama-cpp
// gives real embeddings (288 dimensions), though meaningless ones; what is tested is the plumbing.
let dir: string;
let model: LlamaCppEmbeddingModel;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxdgt-llama-embed-'));
  model = createLlamaCppEmbedding({ modelPath: writeByteBigramGguf(dir), threads: 1 });
});

afterAll(async () => {
  await model?.close();
  rmSync(dir, { recursive: true, force: true });
});

const signal = () => new AbortController().signal;

describe('llama-cpp embedding model', () => {
  test('embeds each text in-process: one vector of the model width per text, the same text alike, tokens counted', async () => {
    const { vectors, usage } = await model.doEmbed(['hello world', 'hello world', 'goodbye'], { signal: signal() });
    expect(vectors.map((vector) => vector.length)).toEqual([288, 288, 288]);
    expect(vectors[1]).toEqual(vectors[0]);
    expect(vectors[2]).not.toEqual(vectors[0]);
    // One token per byte.
    expect(usage.promptTokens).toBe(29);
    expect(model).toMatchObject({ provider: 'llama-cpp', endpoint: `llama-cpp://${join(dir, 'byte-bigram.gguf')}` });
  });

  test('an aborted call rejects with the reason before embedding', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(model.doEmbed(['x'], { signal: controller.signal })).rejects.toThrow('stop');
  });

  test('close() releases the model; a later call loads it again', async () => {
    await model.close();
    const { vectors } = await model.doEmbed(['again'], { signal: signal() });
    expect(vectors[0]).toHaveLength(288);
  });

  test('a missing file is a ConfigError at creation; a file that is no model fails the call with one', async () => {
    expect(() => createLlamaCppEmbedding({ modelPath: join(dir, 'none.gguf') })).toThrow(ConfigError);
    const bogus = join(dir, 'bogus.gguf');
    writeFileSync(bogus, 'not a model');
    const broken = createLlamaCppEmbedding({ modelPath: bogus, threads: 1 });
    await expect(broken.doEmbed(['x'], { signal: signal() })).rejects.toThrow(/cannot load `model_id_or_path`/);
    await broken.close();
  });
});
